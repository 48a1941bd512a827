/* A power cut for tests: what a file holds "on disk" is what it held at its last fsync.
 *
 * Preloaded (LD_PRELOAD) into a process that writes under POWERCUT_DIR. Every successful
 * fsync / fdatasync of a regular file in that directory copies the file, as it is at that
 * moment, to POWERCUT_SHADOW/<name> (written to a temporary name, then renamed, so a kill
 * during the copy leaves the previous synced state). The copy happens before the call
 * returns to the program, exactly when a real disk would have the data. After a kill -9 the
 * test puts the shadows in place of the files: page-cache writes that were never synced are
 * gone, as after a power cut, and a missing fsync shows up as missing data.
 *
 * Each sync is also logged to POWERCUT_LOG as "<call> <name> <size>\n", so a test can see
 * which file a write path synced. Written for tests/support/powercut.py, which compiles it with cc.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static int copy_file(int from, const char *to) {
    char tmp[PATH_MAX];
    char buf[65536];
    off_t at = 0;
    ssize_t got;
    int out;

    if (snprintf(tmp, sizeof tmp, "%s.partial", to) >= (int)sizeof tmp)
        return -1;
    out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (out < 0)
        return -1;
    while ((got = pread(from, buf, sizeof buf, at)) > 0) {
        ssize_t put = 0;
        while (put < got) {
            ssize_t n = write(out, buf + put, (size_t)(got - put));
            if (n < 0) {
                close(out);
                return -1;
            }
            put += n;
        }
        at += got;
    }
    close(out);
    if (got < 0)
        return -1;
    return rename(tmp, to);
}

static void record(int fd, const char *call) {
    const char *dir = getenv("POWERCUT_DIR");
    const char *shadow = getenv("POWERCUT_SHADOW");
    const char *log = getenv("POWERCUT_LOG");
    char link[64];
    char path[PATH_MAX];
    char target[PATH_MAX];
    struct stat st;
    ssize_t len;
    size_t dirlen;
    const char *name;
    int saved = errno;

    if (!dir || !shadow || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        goto out;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    len = readlink(link, path, sizeof path - 1);
    if (len <= 0)
        goto out;
    path[len] = '\0';
    dirlen = strlen(dir);
    if (strncmp(path, dir, dirlen) != 0 || path[dirlen] != '/' || strchr(path + dirlen + 1, '/'))
        goto out;
    name = path + dirlen + 1;
    if (snprintf(target, sizeof target, "%s/%s", shadow, name) >= (int)sizeof target)
        goto out;
    pthread_mutex_lock(&lock);
    if (copy_file(fd, target) != 0)
        abort(); /* a shim that silently stops recording would make the test meaningless */
    if (log) {
        char line[PATH_MAX + 64];
        int out = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (out >= 0) {
            int n = snprintf(line, sizeof line, "%s %s %lld\n", call, name, (long long)st.st_size);
            if (write(out, line, (size_t)n) != n)
                abort();
            close(out);
        }
    }
    pthread_mutex_unlock(&lock);
out:
    errno = saved;
}

int fsync(int fd) {
    static int (*real)(int);
    int rc;
    if (!real)
        real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    rc = real(fd);
    if (rc == 0)
        record(fd, "fsync");
    return rc;
}

int fdatasync(int fd) {
    static int (*real)(int);
    int rc;
    if (!real)
        real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    rc = real(fd);
    if (rc == 0)
        record(fd, "fdatasync");
    return rc;
}
