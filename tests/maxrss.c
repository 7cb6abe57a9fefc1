/* maxrss.c — run a command and print its peak resident set size in KiB on
 * file descriptor 3 (so that the command keeps stdout and stderr).  Exits
 * with the command's status. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
  if (argc < 2) {
    fputs("usage: maxrss COMMAND [ARG]... 3>FILE\n", stderr);
    return 2;
  }
  pid_t pid = fork();
  if (pid < 0)
    return 2;
  if (pid == 0) {
    execvp(argv[1], argv + 1);
    perror(argv[1]);
    _exit(127);
  }
  int status;
  struct rusage ru;
  if (wait4(pid, &status, 0, &ru) < 0)
    return 2;
  dprintf(3, "%ld\n", ru.ru_maxrss);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
