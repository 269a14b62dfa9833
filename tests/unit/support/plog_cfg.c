#include "plog_cfg.h"

#include <stdint.h>
#include <string.h>

kc_log_config plog_test_cfg(void)
{
    kc_log_config c;
    memset(&c, 0, sizeof(c));
    c.segment_bytes = 1 << 30;
    c.segment_ms = 7LL * 24 * 3600 * 1000;
    c.segment_index_bytes = 8192;
    c.index_interval_bytes = 4096;
    c.retention_ms = -1;
    c.retention_bytes = -1;
    c.flush_messages = INT64_MAX;
    c.flush_ms = INT64_MAX;
    c.file_delete_delay_ms = 60000;
    c.cleanup_delete = true;
    c.cleanup_compact = false;
    c.delete_retention_ms = 86400000;
    c.max_message_bytes = 1 << 20;
    return c;
}
