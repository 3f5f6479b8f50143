/*
 * startup: a program that does nothing.  The Makefile links it three
 * ways: with libc alone (startup-bare), with libsqlite3 (startup-sqlite)
 * and with every library jobctl loads (startup-libs), each kept with
 * --no-as-needed although nothing is called; run many times (with
 * bench/spawn), the differences are what the dynamic loader costs a
 * process for those libraries before main().
 */
int
main(void)
{
	return 0;
}
