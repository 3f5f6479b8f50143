/*
 * crash: named crash points (see crash.h).  The settings are written once
 * by crash_init() before any thread starts; the counter is atomic.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jobd/crash.h"

static char		crash_name[64];		/* "": no crash point */
static long		crash_nth = 1;
static atomic_long	crash_seen;

void
crash_init(void)
{
	const char *v = getenv("JOBD_CRASH_AT");
	const char *colon;
	size_t len;

	if (v == NULL || *v == '\0')
		return;
	colon = strchr(v, ':');
	len = colon != NULL ? (size_t)(colon - v) : strlen(v);
	if (len >= sizeof(crash_name))
		return;
	memcpy(crash_name, v, len);
	crash_name[len] = '\0';
	if (colon != NULL && (crash_nth = strtol(colon + 1, NULL, 10)) < 1)
		crash_nth = 1;
}

void
crash_point(const char *name)
{
	if (crash_name[0] == '\0' || strcmp(name, crash_name) != 0)
		return;
	if (atomic_fetch_add(&crash_seen, 1) + 1 == crash_nth) {
		static const char msg[] = "jobd: crash point reached\n";

		(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
		_exit(CRASH_EXIT);
	}
}
