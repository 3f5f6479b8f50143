/*
 * notify: the systemd notification protocol (sd_notify(3)), in a few
 * lines of our own: one datagram to the AF_UNIX socket named by
 * $NOTIFY_SOCKET ("@" for the abstract namespace).
 */
#ifndef JOBD_NOTIFY_H
#define JOBD_NOTIFY_H

#include <stdint.h>

/*
 * Send "msg" (e.g. "READY=1") to $NOTIFY_SOCKET.  Returns 0 (also when
 * the variable is unset: not under systemd), or a negative errno.
 */
int	notify_send(const char *msg);

/*
 * The watchdog interval systemd asks for, in ms ($WATCHDOG_USEC, when
 * $WATCHDOG_PID is unset or ours), or 0 when it asks for none.
 */
int64_t	notify_watchdog_ms(void);

#endif /* JOBD_NOTIFY_H */
