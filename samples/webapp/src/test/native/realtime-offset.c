/*
 * A test-only LD_PRELOAD library: shifts this process's wall clock (CLOCK_REALTIME and its coarse variant,
 * gettimeofday, time) by SLUICE_REALTIME_OFFSET_MS milliseconds, and nothing else. The monotonic clock, sleeps and
 * timed waits are the kernel's, untouched, which is what a host whose NTP is off looks like to a JVM. (libfaketime
 * also rewrites timed waits, and a JDK 17 under it spins at 100 % CPU and stops answering.) Built by ClockSkewIT
 * with the system's cc.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

static long long offset_ns;
static int (*real_clock_gettime)(clockid_t, struct timespec *);
static int (*real_gettimeofday)(struct timeval *, void *);

static void load(void) {
    if (real_clock_gettime == NULL) {
        const char *ms = getenv("SLUICE_REALTIME_OFFSET_MS");
        offset_ns = ms == NULL ? 0 : atoll(ms) * 1000000LL;
        real_gettimeofday = (int (*)(struct timeval *, void *)) dlsym(RTLD_NEXT, "gettimeofday");
        real_clock_gettime = (int (*)(clockid_t, struct timespec *)) dlsym(RTLD_NEXT, "clock_gettime");
    }
}

__attribute__((constructor)) static void init(void) { load(); }

static void shift(struct timespec *ts) {
    long long ns = (long long) ts->tv_sec * 1000000000LL + ts->tv_nsec + offset_ns;
    ts->tv_sec = (time_t) (ns / 1000000000LL);
    ts->tv_nsec = (long) (ns % 1000000000LL);
}

int clock_gettime(clockid_t clock, struct timespec *ts) {
    load();
    int result = real_clock_gettime(clock, ts);
    if (result == 0 && ts != NULL && (clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE)) {
        shift(ts);
    }
    return result;
}

int gettimeofday(struct timeval *tv, void *tz) {
    load();
    int result = real_gettimeofday(tv, tz);
    if (result == 0 && tv != NULL) {
        struct timespec ts = {tv->tv_sec, tv->tv_usec * 1000L};
        shift(&ts);
        tv->tv_sec = ts.tv_sec;
        tv->tv_usec = ts.tv_nsec / 1000L;
    }
    return result;
}

time_t time(time_t *out) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (out != NULL) {
        *out = ts.tv_sec;
    }
    return ts.tv_sec;
}
