/* Partition log settings for the storage unit tests. */
#ifndef PLOG_CFG_H
#define PLOG_CFG_H

#include "storage/log_config.h"

/** Settings under which nothing rolls or is deleted unless a test asks for it. */
kc_log_config plog_test_cfg(void);

#endif
