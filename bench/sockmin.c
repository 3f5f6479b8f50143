/*
 * sockmin: the least a one-job submission through jobd's socket can cost:
 * start a process linked with libc alone, connect, send one request,
 * read the answer, exit.  The benchmark runs it many times in a row
 * (with bench/spawn) and compares "jobctl --socket PATH submit" with it.
 *
 * usage: sockmin SOCKET HEX
 *
 * HEX is the whole message, its 4-byte length first, in hexadecimal: the
 * bytes jobctl sends for "submit true", captured by the benchmark, so
 * that jobd does the same work for both.  The answer must say rc 0 (the
 * map's "rc" key followed by 0); exits 1 otherwise.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SOCKMIN_MAX	4096		/* bytes of the request or answer */

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Read exactly n bytes; 0, or -1 at EOF or on an error. */
static int
readn(int fd, unsigned char *p, size_t n)
{
	ssize_t r;

	while (n > 0) {
		r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const unsigned char rc0[] = { 0x62, 'r', 'c', 0x00 };
	unsigned char req[SOCKMIN_MAX], ans[SOCKMIN_MAX];
	struct sockaddr_un sa;
	size_t n, len, i;
	ssize_t w;
	int fd, hi, lo;

	if (argc != 3 || strlen(argv[1]) >= sizeof(sa.sun_path) ||
	    (n = strlen(argv[2])) % 2 != 0 || n / 2 > sizeof(req) ||
	    n / 2 < 4) {
		fprintf(stderr, "usage: sockmin SOCKET HEX\n");
		return 64;
	}
	for (i = 0; i < n / 2; i++) {
		if ((hi = hexval(argv[2][2 * i])) < 0 ||
		    (lo = hexval(argv[2][2 * i + 1])) < 0) {
			fprintf(stderr, "sockmin: HEX: not hexadecimal\n");
			return 64;
		}
		req[i] = (unsigned char)(hi << 4 | lo);
	}
	n /= 2;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, argv[1], strlen(argv[1]));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr, "sockmin: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i += (size_t)w)
		if ((w = send(fd, req + i, n - i, MSG_NOSIGNAL)) < 0) {
			fprintf(stderr, "sockmin: send: %s\n", strerror(errno));
			return 1;
		}
	if (readn(fd, ans, 4) != 0 || (len = (size_t)ans[0] << 24 |
	    (size_t)ans[1] << 16 | (size_t)ans[2] << 8 | ans[3]) >
	    sizeof(ans) || readn(fd, ans, len) != 0) {
		fprintf(stderr, "sockmin: no whole answer from jobd\n");
		return 1;
	}
	for (i = 0; i + sizeof(rc0) <= len; i++)
		if (memcmp(ans + i, rc0, sizeof(rc0)) == 0)
			break;
	if (i + sizeof(rc0) > len) {
		fprintf(stderr, "sockmin: jobd refused the request\n");
		return 1;
	}
	close(fd);
	return 0;
}
