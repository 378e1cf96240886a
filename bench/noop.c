/* noop: a do-nothing dynamic C program, the syscall count of bare start-up. */
int main(void) { return 0; }
