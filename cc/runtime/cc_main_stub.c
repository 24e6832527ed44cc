/* cc_main_stub.c — linked into the program by trama-cc (-Wl,--wrap=main): the C library
 * starts __wrap_main, and only an object of the program's own link can name the program's
 * main (as __real_main). The runtime takes it from there. */
typedef int (*tr__cc_main_fn)(int, char **, char **);
int tr__cc_run(int argc, char **argv, char **envp, tr__cc_main_fn program_main);
int __real_main(int argc, char **argv, char **envp);
int __wrap_main(int argc, char **argv, char **envp);

int __wrap_main(int argc, char **argv, char **envp)
{
    return tr__cc_run(argc, argv, envp, __real_main);
}
