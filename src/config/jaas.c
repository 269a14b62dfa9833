/* The JAAS line parser (see jaas.h). Tokens: words (letters, digits and . _ - $ /), '=' and ';',
 * double-quoted strings; whitespace separates them. */
#include "config/jaas.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/xalloc.h"

static bool word_char(char ch)
{
    return isalnum((unsigned char)ch) || strchr("._-$/:@+*", ch);
}

/* Reads a word or a quoted string at *p into a fresh string; NULL with @p err on failure. */
static char *token(const char **p, char *err, size_t errlen)
{
    const char *s = *p;
    if (*s == '"') {
        size_t cap = strlen(s), n = 0;
        char *out = malloc(cap + 1);
        if (!out)
            kc_fatal("jaas: out of memory");
        for (s++; *s && *s != '"'; s++) {
            if (*s == '\\' && s[1])
                s++;
            out[n++] = *s;
        }
        if (*s != '"') {
            free(out);
            snprintf(err, errlen, "unterminated quoted value");
            return NULL;
        }
        out[n] = '\0';
        *p = s + 1;
        return out;
    }
    const char *start = s;
    while (*s && word_char(*s))
        s++;
    if (s == start) {
        snprintf(err, errlen, "unexpected character '%c'", *s ? *s : ' ');
        return NULL;
    }
    *p = s;
    return kc_xstrndup(start, (size_t)(s - start));
}

static void skip_space(const char **p)
{
    while (isspace((unsigned char)**p))
        (*p)++;
}

int kc_jaas_parse(const char *text, kc_jaas *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    const char *p = text;
    int modules = 0;
    skip_space(&p);
    while (*p) {
        char *module = token(&p, err, errlen);
        if (!module)
            goto fail;
        if (modules++) {
            free(module);
            snprintf(err, errlen,
                     "Must supply exactly 1 non-null JAAS mechanism configuration (more than one "
                     "login module)");
            goto fail;
        }
        out->login_module = module;
        skip_space(&p);
        char *flag = *p ? token(&p, err, errlen) : NULL;
        if (!flag) {
            if (!*p)
                snprintf(err, errlen, "login module %s has no control flag", module);
            goto fail;
        }
        for (char *f = flag; *f; f++)
            *f = (char)tolower((unsigned char)*f);
        out->flag = flag;
        if (strcmp(flag, "required") && strcmp(flag, "requisite") && strcmp(flag, "sufficient") &&
            strcmp(flag, "optional")) {
            snprintf(err, errlen, "invalid control flag '%s'", flag);
            goto fail;
        }
        for (;;) {
            skip_space(&p);
            if (*p == ';') {
                p++;
                break;
            }
            if (!*p) {
                snprintf(err, errlen, "expected ';' after the options of %s", module);
                goto fail;
            }
            char *key = token(&p, err, errlen);
            if (!key)
                goto fail;
            skip_space(&p);
            if (*p != '=') {
                snprintf(err, errlen, "expected '=' after option '%s'", key);
                free(key);
                goto fail;
            }
            p++;
            skip_space(&p);
            char *value = token(&p, err, errlen);
            if (!value) {
                free(key);
                goto fail;
            }
            kc_jaas_option *grown =
                realloc(out->options, sizeof(*grown) * (size_t)(out->n_options + 1));
            if (!grown)
                kc_fatal("jaas: out of memory");
            out->options = grown;
            out->options[out->n_options++] = (kc_jaas_option){key, value};
        }
        skip_space(&p);
    }
    if (!modules) {
        snprintf(err, errlen, "no login module");
        goto fail;
    }
    return 0;
fail:
    kc_jaas_free(out);
    return -1;
}

const char *kc_jaas_get(const kc_jaas *j, const char *key)
{
    for (int i = 0; i < j->n_options; i++)
        if (strcmp(j->options[i].key, key) == 0)
            return j->options[i].value;
    return NULL;
}

void kc_jaas_free(kc_jaas *j)
{
    for (int i = 0; i < j->n_options; i++) {
        free(j->options[i].key);
        free(j->options[i].value);
    }
    free(j->options);
    free(j->login_module);
    free(j->flag);
    memset(j, 0, sizeof(*j));
}
