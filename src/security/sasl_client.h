/*
 * The client side of one SASL exchange, for this broker's own connections to other brokers
 * (sasl.mechanism.inter.broker.protocol with the username and password of the inter-broker
 * listener's JAAS line): PLAIN (one token) and SCRAM-SHA-256/512 (client-first, client-final,
 * then the server signature checked). The transport is the inter-broker client's
 * (net/ibclient.h), which reaches this module through kc_sasl_client_ops so that net/ stays
 * below security/.
 */
#ifndef KC_SASL_CLIENT_H
#define KC_SASL_CLIENT_H

#include "net/ibclient.h"

/**
 * The operations net/ibclient.c drives (see kc_ibclient_sasl_ops there): start an exchange for a
 * mechanism and credentials, feed server tokens, free. Static storage; never NULL.
 */
const kc_ibclient_sasl_ops *kc_sasl_client_ops(void);

#endif
