/* trama_main.c — the `trama` program: the CLI over the built-in cases. */
#include <trama/harness.h>

int main(int argc, char **argv) { return tr_main(argc, argv); }
