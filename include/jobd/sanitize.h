/*
 * sanitize: which sanitizer this build runs under, for the few places
 * whose ways a sanitizer's runtime cannot follow (runner.c's child in the
 * parent's memory, fds it does not see made).  gcc defines
 * __SANITIZE_ADDRESS__ and __SANITIZE_THREAD__, clang answers
 * __has_feature().
 */
#ifndef JOBD_SANITIZE_H
#define JOBD_SANITIZE_H

#if defined(__SANITIZE_ADDRESS__)
#define JOBD_ASAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define JOBD_ASAN	1
#endif
#endif
#ifndef JOBD_ASAN
#define JOBD_ASAN	0
#endif

#if defined(__SANITIZE_THREAD__)
#define JOBD_TSAN	1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define JOBD_TSAN	1
#endif
#endif
#ifndef JOBD_TSAN
#define JOBD_TSAN	0
#endif

#endif /* JOBD_SANITIZE_H */
