/* meta.properties read/write (written atomically, like every file the broker replaces). */
#include "broker/meta_props.h"

#include "common/fsutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int kc_meta_props_read(const char *dir, kc_meta_props *out, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/meta.properties", dir);
    out->version = -1;
    out->broker_id = -1;
    out->cluster_id[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
        return -1;
    }
    char line[512];
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || !line[0])
            continue;
        char *eq = strchr(line, '=');
        if (!eq)
            continue;
        *eq = '\0';
        const char *v = eq + 1;
        if (strcmp(line, "version") == 0)
            out->version = atoi(v);
        else if (strcmp(line, "broker.id") == 0)
            out->broker_id = atoi(v);
        else if (strcmp(line, "cluster.id") == 0)
            snprintf(out->cluster_id, sizeof(out->cluster_id), "%s", v);
    }
    fclose(f);
    if (out->version != 0) {
        snprintf(err, errlen, "'%s': unsupported version %d (expected 0)", path, out->version);
        return -1;
    }
    return 1;
}

int kc_meta_props_write(const char *dir, const kc_meta_props *mp)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/meta.properties", dir);
    char buf[512], ts[64];
    time_t now = time(NULL);
    strftime(ts, sizeof(ts), "%a %b %d %H:%M:%S UTC %Y", gmtime(&now));
    int n = snprintf(buf, sizeof(buf), "#\n#%s\ncluster.id=%s\nversion=0\nbroker.id=%d\n", ts,
                     mp->cluster_id, mp->broker_id);
    return kc_write_file_atomic(path, buf, (size_t)n);
}
