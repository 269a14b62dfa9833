/* The --command-config file of the `cafka` admin commands (see client_config.h). */
#include "cli/client_config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "common/xalloc.h"
#include "config/jaas.h"

#define PLAIN_LOGIN_MODULE "org.apache.kafka.common.security.plain.PlainLoginModule"
#define SCRAM_LOGIN_MODULE "org.apache.kafka.common.security.scram.ScramLoginModule"

static void cleanse_free(char *s)
{
    if (s) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

bool kc_client_config_is_secret(const char *key)
{
    return strstr(key, "password") || strstr(key, "jaas") || strstr(key, "secret") ||
           strcmp(key, "ssl.keystore.key") == 0 || strcmp(key, "ssl.key.pem") == 0 ||
           strstr(key, "token");
}

const char *kc_client_config_get(const kc_client_config *c, const char *key)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->props[i].key, key) == 0)
            return c->props[i].value;
    return NULL;
}

static void set_prop(kc_client_config *c, char *key, char *value, int line)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->props[i].key, key) == 0) {
            cleanse_free(c->props[i].value);
            c->props[i].value = value;
            c->props[i].line = line;
            free(key);
            return;
        }
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 16;
        c->props = kc_xrealloc(c->props, c->cap * sizeof(*c->props));
    }
    c->props[c->n++] = (kc_client_prop){key, value, line};
}

/* ------------------------------------------------------------------------------------------ */
/* java.util.Properties.load */

static bool is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\f';
}

static void put_utf8(char **o, uint32_t cp)
{
    unsigned char *u = (unsigned char *)*o;
    if (cp < 0x80) {
        *u++ = (unsigned char)cp;
    } else if (cp < 0x800) {
        *u++ = (unsigned char)(0xC0 | cp >> 6);
        *u++ = (unsigned char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *u++ = (unsigned char)(0xE0 | cp >> 12);
        *u++ = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        *u++ = (unsigned char)(0x80 | (cp & 0x3F));
    } else {
        *u++ = (unsigned char)(0xF0 | cp >> 18);
        *u++ = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
        *u++ = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        *u++ = (unsigned char)(0x80 | (cp & 0x3F));
    }
    *o = (char *)u;
}

static int hex4(const char *s, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char ch = s[i];
        v <<= 4;
        if (ch >= '0' && ch <= '9')
            v |= (uint32_t)(ch - '0');
        else if (ch >= 'a' && ch <= 'f')
            v |= (uint32_t)(ch - 'a' + 10);
        else if (ch >= 'A' && ch <= 'F')
            v |= (uint32_t)(ch - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

/* Unescape [s, s+len) into a new string (Properties.loadConvert). @return NULL on a malformed
 * \uXXXX escape. */
static char *unescape(const char *s, size_t len)
{
    char *out = kc_xrealloc(NULL, len + 1), *o = out; /* UTF-8 of \uXXXX (6 bytes) fits in 4 */
    for (size_t i = 0; i < len;) {
        char ch = s[i++];
        if (ch != '\\' || i == len) {
            if (ch != '\\')
                *o++ = ch;
            continue;
        }
        ch = s[i++];
        switch (ch) {
        case 't':
            *o++ = '\t';
            break;
        case 'n':
            *o++ = '\n';
            break;
        case 'r':
            *o++ = '\r';
            break;
        case 'f':
            *o++ = '\f';
            break;
        case 'u': {
            uint32_t cp, lo;
            if (i + 4 > len || hex4(s + i, &cp)) {
                free(out);
                return NULL;
            }
            i += 4;
            /* a surrogate pair written as two escapes is one code point */
            if (cp >= 0xD800 && cp < 0xDC00 && i + 6 <= len && s[i] == '\\' && s[i + 1] == 'u' &&
                hex4(s + i + 2, &lo) == 0 && lo >= 0xDC00 && lo < 0xE000) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                i += 6;
            }
            put_utf8(&o, cp);
            break;
        }
        default:
            *o++ = ch;
            break;
        }
    }
    *o = '\0';
    return out;
}

/* True when the line (without its terminator) ends in an odd number of backslashes. */
static bool continues(const char *s, size_t len)
{
    size_t n = 0;
    while (n < len && s[len - 1 - n] == '\\')
        n++;
    return n % 2 == 1;
}

/* Parse one logical line (continuations joined, the joining backslashes removed). */
static int parse_line(kc_client_config *c, const char *s, size_t len, int lineno, char *err,
                      size_t errlen)
{
    size_t i = 0;
    /* the key ends at the first unescaped '=', ':' or blank */
    size_t kstart = i;
    while (i < len) {
        if (s[i] == '\\' && i + 1 < len) {
            i += 2;
            continue;
        }
        if (s[i] == '=' || s[i] == ':' || is_blank(s[i]))
            break;
        i++;
    }
    size_t kend = i;
    while (i < len && is_blank(s[i]))
        i++;
    if (i < len && (s[i] == '=' || s[i] == ':'))
        i++;
    while (i < len && is_blank(s[i]))
        i++;
    char *key = unescape(s + kstart, kend - kstart);
    char *value = key ? unescape(s + i, len - i) : NULL;
    if (!key || !value) {
        snprintf(err, errlen, "%s:%d: malformed \\uxxxx escape%s%s", c->path, lineno,
                 key ? " in the value of " : "", key ? key : "");
        free(key);
        free(value);
        return -1;
    }
    set_prop(c, key, value, lineno);
    return 0;
}

static int read_file(kc_client_config *c, char *err, size_t errlen)
{
    FILE *f = fopen(c->path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot read --command-config %s: %s", c->path, strerror(errno));
        return -1;
    }
    char *line = NULL, *logical = NULL;
    size_t cap = 0, llen = 0, lcap = 0;
    ssize_t len;
    int lineno = 0, start_line = 0, rc = 0;
    bool in_continuation = false;
    while (rc == 0 && (len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        const char *p = line;
        size_t n = (size_t)len;
        while (n && is_blank(*p)) { /* leading blanks: of any line and of a continuation */
            p++;
            n--;
        }
        if (!in_continuation) {
            if (n == 0 || *p == '#' || *p == '!')
                continue;
            llen = 0;
            start_line = lineno;
        }
        bool more = continues(p, n);
        if (more)
            n--; /* drop the joining backslash */
        if (llen + n + 1 > lcap) {
            lcap = (llen + n + 1) * 2;
            logical = kc_xrealloc(logical, lcap);
        }
        memcpy(logical + llen, p, n);
        llen += n;
        logical[llen] = '\0';
        in_continuation = more;
        if (!more)
            rc = parse_line(c, logical, llen, start_line, err, errlen);
    }
    if (rc == 0 && in_continuation)
        rc = parse_line(c, logical, llen, start_line, err, errlen);
    if (logical) {
        OPENSSL_cleanse(logical, lcap);
        free(logical);
    }
    if (line) {
        OPENSSL_cleanse(line, cap);
        free(line);
    }
    fclose(f);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Security settings */

static int prop_line(const kc_client_config *c, const char *key)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->props[i].key, key) == 0)
            return c->props[i].line;
    return 0;
}

/* A non-empty value, or NULL. */
static const char *get_set(const kc_client_config *c, const char *key)
{
    const char *v = kc_client_config_get(c, key);
    return v && v[0] ? v : NULL;
}

static bool file_is_pem(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return true; /* let the TLS layer report the unreadable file */
    char buf[4096];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strstr(buf, "-----BEGIN") != NULL; /* a NUL (binary PKCS#12) ends the search */
}

static int derive(kc_client_config *c, char *err, size_t errlen)
{
    kc_wire_security *s = &c->sec;
    const char *proto = get_set(c, "security.protocol");
    if (!proto || strcasecmp(proto, "PLAINTEXT") == 0) {
    } else if (strcasecmp(proto, "SSL") == 0) {
        s->tls = true;
    } else if (strcasecmp(proto, "SASL_PLAINTEXT") == 0) {
        s->sasl_mechanism = "GSSAPI";
    } else if (strcasecmp(proto, "SASL_SSL") == 0) {
        s->tls = true;
        s->sasl_mechanism = "GSSAPI";
    } else {
        snprintf(err, errlen,
                 "%s:%d: Invalid value %s for configuration security.protocol (PLAINTEXT, SSL, "
                 "SASL_PLAINTEXT or SASL_SSL)",
                 c->path, prop_line(c, "security.protocol"), proto);
        return -1;
    }

    if (s->sasl_mechanism) {
        const char *mech = get_set(c, "sasl.mechanism");
        if (!mech)
            mech = get_set(c, "sasl.mechanisms"); /* librdkafka's name */
        if (mech)
            s->sasl_mechanism = mech;
        if (strcmp(s->sasl_mechanism, "PLAIN") && strcmp(s->sasl_mechanism, "SCRAM-SHA-256") &&
            strcmp(s->sasl_mechanism, "SCRAM-SHA-512")) {
            snprintf(err, errlen,
                     "%s: sasl.mechanism %s is not supported (PLAIN, SCRAM-SHA-256 or "
                     "SCRAM-SHA-512)%s",
                     c->path, s->sasl_mechanism,
                     mech ? "" : "; Kafka's default, GSSAPI, applies when it is not set");
            return -1;
        }
        const char *jaas = get_set(c, "sasl.jaas.config");
        if (jaas) {
            kc_jaas j;
            char why[256];
            /* the parser's own message may quote part of the line, which holds the password */
            if (kc_jaas_parse(jaas, &j, why, sizeof(why)) < 0) {
                snprintf(err, errlen,
                         "%s:%d: sasl.jaas.config is not a JAAS login module line "
                         "(<LoginModule> required username=\"...\" password=\"...\";)",
                         c->path, prop_line(c, "sasl.jaas.config"));
                return -1;
            }
            bool plain = strcmp(j.login_module, PLAIN_LOGIN_MODULE) == 0;
            bool scram = strcmp(j.login_module, SCRAM_LOGIN_MODULE) == 0;
            if ((!plain && !scram) || (plain && strcmp(s->sasl_mechanism, "PLAIN") != 0) ||
                (scram && strcmp(s->sasl_mechanism, "PLAIN") == 0)) {
                snprintf(err, errlen, "%s:%d: sasl.jaas.config: login module %s does not fit %s",
                         c->path, prop_line(c, "sasl.jaas.config"), j.login_module,
                         s->sasl_mechanism);
                kc_jaas_free(&j);
                return -1;
            }
            const char *u = kc_jaas_get(&j, "username"), *p = kc_jaas_get(&j, "password");
            c->jaas_username = u ? kc_xstrdup(u) : NULL;
            c->jaas_password = p ? kc_xstrdup(p) : NULL;
            kc_jaas_free(&j); /* frees the option strings; kc_jaas_free does not cleanse */
        }
        s->sasl_username = kc_client_config_get(c, "sasl.username");
        s->sasl_password = kc_client_config_get(c, "sasl.password");
        if (!s->sasl_username)
            s->sasl_username = c->jaas_username;
        if (!s->sasl_password)
            s->sasl_password = c->jaas_password;
        if (!s->sasl_username || !s->sasl_username[0] || !s->sasl_password) {
            snprintf(err, errlen,
                     "%s: SASL %s needs a username and a password: sasl.jaas.config=%s required "
                     "username=\"...\" password=\"...\"; (or sasl.username and sasl.password)",
                     c->path, s->sasl_mechanism,
                     strcmp(s->sasl_mechanism, "PLAIN") == 0 ? PLAIN_LOGIN_MODULE
                                                             : SCRAM_LOGIN_MODULE);
            return -1;
        }
    }

    /* trust store and key store: Kafka's checks (DefaultSslEngineFactory.createTruststore and
     * createKeystore), except that a location without a type is taken as PEM when the file is
     * (Kafka's default type, JKS, cannot be read here) */
    const char *ttype = get_set(c, "ssl.truststore.type");
    const char *tloc = get_set(c, "ssl.truststore.location");
    const char *tpass = get_set(c, "ssl.truststore.password");
    const char *tcerts = get_set(c, "ssl.truststore.certificates");
    const char *why = NULL, *key = NULL;
    if (tcerts) {
        key = "ssl.truststore.certificates";
        if (!ttype || strcasecmp(ttype, "PEM") != 0)
            why = "SSL trust store certs can be specified only for PEM";
        else if (tloc)
            why = "Both SSL trust store location and separate trust certificates are specified.";
        else if (tpass)
            why = "SSL trust store password cannot be specified for PEM format.";
    } else if (tloc) {
        key = "ssl.truststore.location";
        if (ttype && strcasecmp(ttype, "PEM") != 0)
            why = "only PEM trust stores are supported (ssl.truststore.type=PEM)";
        else if (tpass)
            why = "SSL trust store password cannot be specified for PEM format.";
    } else if (tpass) {
        key = "ssl.truststore.password";
        why = "SSL trust store is not specified, but trust store password is specified.";
    }
    const char *ktype = get_set(c, "ssl.keystore.type");
    const char *kloc = get_set(c, "ssl.keystore.location");
    const char *kpass = get_set(c, "ssl.keystore.password");
    const char *kkey = get_set(c, "ssl.keystore.key");
    const char *kchain = get_set(c, "ssl.keystore.certificate.chain");
    bool kpem = ktype && strcasecmp(ktype, "PEM") == 0;
    bool kp12 = ktype && strcasecmp(ktype, "PKCS12") == 0;
    if (why) {
    } else if (kkey) {
        key = "ssl.keystore.key";
        if (!kpem)
            why = "SSL private key can be specified only for PEM";
        else if (!kchain)
            why = "SSL private key is specified, but certificate chain is not specified.";
        else if (kloc)
            why = "Both SSL key store location and separate private key are specified.";
        else if (kpass)
            why = "SSL key store password cannot be specified with PEM format, only key password "
                  "may be specified.";
    } else if (kchain) {
        key = "ssl.keystore.certificate.chain";
        why = "SSL certificate chain is specified, but private key is not specified";
    } else if (kloc) {
        key = "ssl.keystore.location";
        if (!kpem && !kp12 && (ktype || !file_is_pem(kloc)))
            why = "only PEM and PKCS12 key stores are supported (ssl.keystore.type=PEM: one file "
                  "with the certificate and the key)";
        else if (!kp12 && kpass)
            why = "SSL key store password cannot be specified with PEM format, only key password "
                  "may be specified";
        else if (kp12 && !kpass)
            why = "SSL key store is specified, but key store password is not specified.";
    } else if (kpass) {
        key = "ssl.keystore.password";
        why = "SSL key store is not specified, but key store password is specified.";
    }
    if (why) {
        snprintf(err, errlen, "%s:%d: %s: %s", c->path, prop_line(c, key), key, why);
        return -1;
    }
    s->ca_file = tloc ? tloc : get_set(c, "ssl.ca.location");
    s->ca_pem = tcerts ? tcerts : get_set(c, "ssl.ca.pem");
    if (kloc && kp12) {
        c->keystore_pkcs12 = true;
        s->pkcs12_file = kloc;
        s->pkcs12_password = kpass;
    } else if (kloc) {
        s->cert_file = kloc;
        s->key_file = kloc;
    } else {
        s->cert_file = get_set(c, "ssl.certificate.location");
        s->key_file = get_set(c, "ssl.key.location");
    }
    s->cert_pem = kchain ? kchain : get_set(c, "ssl.certificate.pem");
    s->key_pem = kkey ? kkey : get_set(c, "ssl.key.pem");
    s->key_password = get_set(c, "ssl.key.password");

    const char *alg = kc_client_config_get(c, "ssl.endpoint.identification.algorithm");
    if (alg && (!alg[0] || strcasecmp(alg, "none") == 0))
        s->no_hostname_verify = true;
    else if (alg && strcasecmp(alg, "https") != 0) {
        snprintf(err, errlen,
                 "%s: ssl.endpoint.identification.algorithm %s is not supported (https or empty)",
                 c->path, alg);
        return -1;
    }
    const char *verify = get_set(c, "enable.ssl.certificate.verification");
    if (verify && strcasecmp(verify, "false") == 0)
        s->no_verify = true;
    return 0;
}

int kc_client_config_load(const char *path, kc_client_config *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    out->path = kc_xstrdup(path);
    if (read_file(out, err, errlen) < 0)
        return -1;
    return derive(out, err, errlen);
}

void kc_client_config_free(kc_client_config *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->props[i].key);
        cleanse_free(c->props[i].value);
    }
    free(c->props);
    free(c->path);
    cleanse_free(c->jaas_username);
    cleanse_free(c->jaas_password);
    memset(c, 0, sizeof(*c));
}
