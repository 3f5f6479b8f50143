/*
 * crash: named crash points for the crash-safety tests.
 *
 * With JOBD_CRASH_AT=NAME[:N] in jobd's environment, the N-th (default:
 * the first) time the code passes crash_point(NAME), the process ends at
 * once with _exit(CRASH_EXIT), as a power cut or SIGKILL would end it
 * there.  Without the variable a crash point costs one comparison.
 * crash_init() reads the variable; call it before any thread starts.
 * Thread-safe afterwards.
 */
#ifndef JOBD_CRASH_H
#define JOBD_CRASH_H

#define CRASH_EXIT	99

void	crash_init(void);
void	crash_point(const char *name);

#endif /* JOBD_CRASH_H */
