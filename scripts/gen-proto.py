#!/usr/bin/env python3
"""Generate cafka's Kafka protocol codecs from src/proto/apis.spec.

usage: gen-proto.py SPEC OUT_H OUT_C

One declaration per API (fields, types, versions) becomes: C structs, a decoder and an encoder for
both the request and the response, and the table of implemented versions that ApiVersions and the
dispatcher read. The codecs are pure functions over kc_rbuf / kc_wbuf (src/proto/buf.h): no I/O,
no globals, every length checked against the bytes that remain before anything is allocated.
"""
import re
import sys

PRIMS = {
    "int8": ("int8_t", "i8"),
    "int16": ("int16_t", "i16"),
    "int32": ("int32_t", "i32"),
    "int64": ("int64_t", "i64"),
    "bool": ("bool", "bool"),
    "string": ("kc_str", "str"),
    "nstring": ("kc_str", "str"),
    "bytes": ("kc_bytes", "bytes"),
    "nbytes": ("kc_bytes", "bytes"),
    "records": ("kc_records", "records"),
}
NULLABLE_TYPES = {"nstring", "nbytes", "records"}


def snake(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class Field:
    def __init__(self, name, typ, vmin, vmax, nullable_from, default):
        self.name, self.typ = name, typ
        self.vmin, self.vmax = vmin, vmax
        self.nullable_from = nullable_from
        self.default = default
        self.children = []
        self.struct = None  # item struct name for []Struct


class Struct:
    def __init__(self, cname):
        self.cname = cname
        self.fields = []


class Api:
    def __init__(self, key, name, vmin, vmax, flex, auth):
        self.key, self.name, self.vmin, self.vmax, self.flex = key, name, vmin, vmax, flex
        self.auth = auth  # "none", "request=cluster:<Op>" or "handler=<resource>:<Op>,..."
        self.snake = snake(name)
        self.msgs = {}


# Kafka's AclOperation codes (clients common/acl/AclOperation.java) and the resource kinds an
# auth rule may name (ResourceType); kept in step with src/security/acl.h by a unit test.
ACL_OPS = {"Read": 3, "Write": 4, "Create": 5, "Delete": 6, "Alter": 7, "Describe": 8,
           "ClusterAction": 9, "DescribeConfigs": 10, "AlterConfigs": 11, "IdempotentWrite": 12}
ACL_RESOURCES = ("topic", "group", "cluster", "transactionalid")


def parse_auth(rule, where):
    """Check an auth rule; return the operation the dispatcher checks on the cluster (0: none)."""
    if rule == "none":
        return 0
    kind, _, items = rule.partition("=")
    assert kind in ("request", "handler") and items, f"{where}: bad auth rule {rule!r}"
    for item in items.split(","):
        res, _, op = item.partition(":")
        assert res in ACL_RESOURCES and op in ACL_OPS, f"{where}: bad auth item {item!r}"
    if kind == "handler":
        return 0
    assert "," not in items and items.startswith("cluster:"), \
        f"{where}: a request rule names one cluster operation"
    return ACL_OPS[items.split(":")[1]]


def parse_versions(tok):
    m = re.fullmatch(r"v(\d+)\+", tok)
    if m:
        return int(m.group(1)), 32767
    m = re.fullmatch(r"v(\d+)-(\d+)", tok)
    if m:
        return int(m.group(1)), int(m.group(2))
    return None


def parse(path):
    apis = []
    api = None
    stack = None  # list of (indent, field list owner)
    for lineno, raw in enumerate(open(path), 1):
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" "))
        toks = line.split()
        if indent == 0 and toks[0] == "api":
            lo, hi = toks[3].split("-")
            flex, auth, rest = 32767, None, toks[4:]
            while rest:
                assert len(rest) >= 2 and rest[0] in ("flex", "auth"), f"{path}:{lineno}: bad api line"
                if rest[0] == "flex":
                    flex = int(rest[1].rstrip("+"))
                else:
                    auth = rest[1]
                rest = rest[2:]
            assert auth, f"{path}:{lineno}: every api declares its auth rule"
            api = Api(int(toks[1]), toks[2], int(lo), int(hi), flex, auth)
            api.cluster_op = parse_auth(auth, f"{path}:{lineno}")
            apis.append(api)
            continue
        if indent == 0 and toks[0] in ("request", "response"):
            root = Field(toks[0], "[]", 0, 32767, 32767, None)
            api.msgs[toks[0]] = root
            stack = [(0, root)]
            continue
        while stack and stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1]
        name, typ = toks[0], toks[1]
        vmin, vmax, nullable_from, default = 0, 32767, 32767, None
        for t in toks[2:]:
            pv = parse_versions(t)
            if pv:
                vmin, vmax = pv
            elif t.startswith("nullable="):
                nullable_from = parse_versions(t.split("=", 1)[1])[0]
            elif t.startswith("default="):
                default = t.split("=", 1)[1]
            else:
                raise SystemExit(f"{path}:{lineno}: unknown token {t!r}")
        if typ in NULLABLE_TYPES:
            nullable_from = 0
        f = Field(name, typ, vmin, vmax, nullable_from, default)
        parent.children.append(f)
        stack.append((indent, f))
    return apis


def vcond(f):
    conds = []
    if f.vmin > 0:
        conds.append(f"v >= {f.vmin}")
    if f.vmax < 32767:
        conds.append(f"v <= {f.vmax}")
    return " && ".join(conds)


def collect_structs(api, kind, root):
    """Assign C struct names depth-first; children before parents so C sees them declared."""
    out = []
    top = f"kc_{api.snake}_{'req' if kind == 'request' else 'resp'}"

    def walk(field, cname):
        field.struct = cname
        for c in field.children:
            if c.typ.startswith("[]") and c.typ[2:] not in ("int32", "int64", "string"):
                item = c.typ[2:] or f"{cname[3:]}_{c.name}"
                walk(c, "kc_" + snake(item))
        out.append(field)

    walk(root, top)
    return out


def ctype(f):
    if f.typ.startswith("[]"):
        elem = f.typ[2:]
        if elem in ("int32", "int64"):
            return f"{elem}_t"
        if elem == "string":
            return "kc_str"
        return f.struct
    return PRIMS[f.typ][0]


def gen_struct(h, s):
    h.append(f"typedef struct {s.struct} {{")
    for f in s.children:
        if f.typ.startswith("[]"):
            h.append(f"    int32_t {f.name}_count; /* -1 = null array */")
            h.append(f"    {ctype(f)} *{f.name};")
        else:
            h.append(f"    {ctype(f)} {f.name};")
    h.append(f"}} {s.struct};")
    h.append("")


def default_stmt(f, dst):
    if f.typ.startswith("[]"):
        if f.nullable_from < 32767 and f.vmin > 0:
            return f"{dst}{f.name}_count = -1; {dst}{f.name} = NULL;"
        return f"{dst}{f.name}_count = 0; {dst}{f.name} = NULL;"
    kind = PRIMS[f.typ][1]
    if kind == "records":
        return f"{dst}{f.name} = (kc_records){{NULL, -1, -1, 0}};"
    if kind in ("str", "bytes"):
        null = f.typ in NULLABLE_TYPES
        return f"{dst}{f.name}.p = NULL; {dst}{f.name}.len = {-1 if null else 0};"
    return f"{dst}{f.name} = {f.default or 0};"


def null_ok(f):
    if f.nullable_from >= 32767:
        return "false"
    if f.nullable_from == 0:
        return "true"
    return f"(v >= {f.nullable_from})"


FIXED_SIZE = {"int8": 1, "bool": 1, "int16": 2, "int32": 4, "int64": 8}


def min_size_expr(f):
    """C expression: the fewest bytes field f takes on the wire (in versions it exists)."""
    if f.typ in FIXED_SIZE:
        return str(FIXED_SIZE[f.typ])
    if f.typ in ("string", "nstring"):
        return "(flex ? 1 : 2)"
    return "(flex ? 1 : 4)"  # bytes, records and arrays: int32 length or compact uvarint


def gen_min_size(c, s):
    """A function giving the fewest bytes one element of struct s takes at version v, so that
    an array count can be checked against the bytes left before anything is allocated."""
    c.append(f"static size_t min_{s.struct}(int16_t v, bool flex)")
    c.append("{")
    c.append("    size_t n = flex ? 1 : 0; /* tagged fields */")
    c.append("    (void)v;")
    for f in s.children:
        cond = vcond(f)
        add = f"n += {min_size_expr(f)};"
        c.append(f"    if ({cond}) {add}" if cond else f"    {add}")
    c.append("    return n;")
    c.append("}")
    c.append("")


def elem_min_expr(f):
    elem = f.typ[2:]
    if elem in ("int32", "int64"):
        return str(FIXED_SIZE[elem])
    if elem == "string":
        return "(flex ? 1 : 2)"
    return f"min_{f.struct}(v, flex)"


def gen_decoder(c, s, top):
    c.append(f"static int dec_{s.struct}(kc_rbuf *r, int16_t v, bool flex, {s.struct} *o, "
             "kc_arena *a)")
    c.append("{")
    c.append("    (void)v; (void)a; (void)flex; (void)o;")  # an empty message uses none
    for f in s.children:
        cond = vcond(f)
        ind = "    "
        if cond:
            c.append(f"    if ({cond}) {{")
            ind = "        "
        if f.typ.startswith("[]"):
            elem = f.typ[2:]
            c.append(f"{ind}o->{f.name}_count = kc_rbuf_array_len(r, flex, {null_ok(f)}, "
                     f"{elem_min_expr(f)});")
            c.append(f"{ind}if (r->err) return -1;")
            c.append(f"{ind}o->{f.name} = NULL;")
            c.append(f"{ind}if (o->{f.name}_count > 0) {{")
            c.append(f"{ind}    o->{f.name} = kc_arena_alloc(a, (size_t)o->{f.name}_count * "
                     f"sizeof(*o->{f.name}));")
            c.append(f"{ind}    for (int32_t i = 0; i < o->{f.name}_count; i++) {{")
            if elem in ("int32", "int64"):
                c.append(f"{ind}        o->{f.name}[i] = kc_rbuf_{elem[0]}{elem[3:]}(r);")
            elif elem == "string":
                c.append(f"{ind}        o->{f.name}[i] = kc_rbuf_str(r, flex, false);")
            else:
                c.append(f"{ind}        if (dec_{f.struct}(r, v, flex, &o->{f.name}[i], a)) "
                         "return -1;")
            c.append(f"{ind}    }}")
            c.append(f"{ind}}}")
        else:
            kind = PRIMS[f.typ][1]
            if kind in ("str", "bytes", "records"):
                c.append(f"{ind}o->{f.name} = kc_rbuf_{kind}(r, flex, {null_ok(f)});")
            else:
                c.append(f"{ind}o->{f.name} = kc_rbuf_{kind}(r);")
        if cond:
            c.append("    } else {")
            c.append(f"        {default_stmt(f, 'o->')}")
            c.append("    }")
    c.append("    if (flex) kc_rbuf_skip_tags(r);")
    c.append("    return r->err ? -1 : 0;")
    c.append("}")
    c.append("")


def gen_encoder(c, s):
    c.append(f"static void enc_{s.struct}(kc_wbuf *w, int16_t v, bool flex, const {s.struct} *o)")
    c.append("{")
    c.append("    (void)v; (void)flex; (void)o;")
    for f in s.children:
        cond = vcond(f)
        ind = "    "
        if cond:
            c.append(f"    if ({cond}) {{")
            ind = "        "
        if f.typ.startswith("[]"):
            elem = f.typ[2:]
            c.append(f"{ind}kc_wbuf_array_len(w, flex, o->{f.name}_count);")
            c.append(f"{ind}for (int32_t i = 0; i < o->{f.name}_count; i++) {{")
            if elem in ("int32", "int64"):
                c.append(f"{ind}    kc_wbuf_{elem[0]}{elem[3:]}(w, o->{f.name}[i]);")
            elif elem == "string":
                c.append(f"{ind}    kc_wbuf_str(w, flex, o->{f.name}[i]);")
            else:
                c.append(f"{ind}    enc_{f.struct}(w, v, flex, &o->{f.name}[i]);")
            c.append(f"{ind}}}")
        else:
            kind = PRIMS[f.typ][1]
            if kind in ("str", "bytes", "records"):
                c.append(f"{ind}kc_wbuf_{kind}(w, flex, o->{f.name});")
            else:
                c.append(f"{ind}kc_wbuf_{kind}(w, o->{f.name});")
        if cond:
            c.append("    }")
    c.append("    if (flex) kc_wbuf_u8(w, 0); /* no tagged fields */")
    c.append("}")
    c.append("")


def gen_decode_dispatch(apis, h, c):
    """kc_api_decode_request / kc_api_decode_response: one entry point to every generated decoder
    by api key, for the fuzz targets (tests/fuzz) and tests. The handlers call the typed
    decoders directly; this switch only saves callers a hand-kept list of the APIs."""
    for kind, suffix in (("request", "req"), ("response", "resp")):
        fn = f"kc_api_decode_{kind}"
        h += ["/**",
              f" * Decode a {kind} body of API @p key at version @p v into a struct allocated from",
              " * @p a, with the decoder the spec generated for it; when @p reencode is not NULL,",
              " * append that struct encoded again (what a round trip must reproduce).",
              " * @return 0, -1 when the body does not decode (r->err set), or -2 for a key cafka",
              " *         does not implement or a version outside its range (nothing decoded).",
              " */",
              f"int {fn}(int16_t key, int16_t v, kc_rbuf *r, kc_arena *a, kc_wbuf *reencode);",
              ""]
        c += [f"int {fn}(int16_t key, int16_t v, kc_rbuf *r, kc_arena *a, kc_wbuf *reencode)",
              "{",
              "    const kc_api_info *info = kc_api_find(key);",
              "    if (!info || v < info->min_version || v > info->max_version)",
              "        return -2;",
              "    switch (key) {"]
        for a in apis:
            t = f"kc_{a.snake}_{suffix}"
            c += [f"    case {a.key}: {{",
                  f"        {t} *o = kc_arena_alloc(a, sizeof(*o));",
                  f"        if ({t}_decode(r, v, o, a))",
                  "            return -1;",
                  "        if (reencode)",
                  f"            {t}_encode(reencode, v, o);",
                  "        return 0;",
                  "    }"]
        c += ["    default:", "        return -2;", "    }", "}", ""]


def main():
    spec, out_h, out_c = sys.argv[1:4]
    apis = sorted(parse(spec), key=lambda a: a.key)  # kc_apis[] ascends by key (kc_api_find)
    h = [
        "/* Generated by scripts/gen-proto.py from src/proto/apis.spec. Do not edit. */",
        "#ifndef KC_APIS_H",
        "#define KC_APIS_H",
        "",
        "#include <stdbool.h>",
        "#include <stdint.h>",
        "",
        '#include "common/arena.h"',
        '#include "proto/buf.h"',
        "",
        "enum kc_api_key {",
    ]
    for a in apis:
        h.append(f"    KC_API_{a.snake.upper()} = {a.key},")
    h += ["};", "",
          "/** One implemented API: the versions cafka accepts and the first flexible one. */",
          "typedef struct kc_api_info {",
          "    int16_t key;",
          "    const char *name;",
          "    int16_t min_version;",
          "    int16_t max_version;",
          "    int16_t flex_from; /* 32767 = never flexible */",
          "    bool before_auth;  /* served before SASL authentication completes */",
          "    int8_t cluster_op; /* Kafka AclOperation the dispatcher checks on the Cluster for the",
          "                          whole request (0: none; the handler checks per resource) */",
          "    const char *auth;  /* the auth rule as declared in apis.spec */",
          "} kc_api_info;",
          "",
          f"#define KC_API_COUNT {len(apis)}",
          "/** Every implemented API, in ascending key order. */",
          "extern const kc_api_info kc_apis[KC_API_COUNT];",
          "",
          "/** The entry for @p key, or NULL when cafka does not implement that API. */",
          "const kc_api_info *kc_api_find(int16_t key);",
          "",
          "/** True when version @p v of @p key uses the flexible (KIP-482) encoding. */",
          "bool kc_api_is_flexible(int16_t key, int16_t v);",
          "",
          "/**",
          " * Append to @p w the v@p v response body of @p key that refuses the whole request with",
          " * @p error_code: its top-level error_code set, everything else empty (Kafka's",
          " * AbstractRequest.getErrorResponse for these APIs). Only for an API with a cluster_op:",
          " * the generator checks that each of them has a top-level error_code in every version.",
          " * @return 0, or -1 (nothing written) for any other API.",
          " */",
          "int kc_api_encode_error_response(int16_t key, int16_t v, int16_t error_code, kc_wbuf *w);",
          ""]
    c = [
        "/* Generated by scripts/gen-proto.py from src/proto/apis.spec. Do not edit. */",
        '#include "kc_apis.h"',
        "",
        "#include <stddef.h>",
        "",
        "const kc_api_info kc_apis[KC_API_COUNT] = {",
    ]
    for a in sorted(apis, key=lambda a: a.key):
        c.append(f'    {{{a.key}, "{a.name}", {a.vmin}, {a.vmax}, {a.flex}, '
                 f'{"true" if a.auth == "none" else "false"}, {a.cluster_op}, "{a.auth}"}},')
    c += ["};", "",
          "const kc_api_info *kc_api_find(int16_t key)",
          "{",
          "    for (size_t i = 0; i < KC_API_COUNT; i++)",
          "        if (kc_apis[i].key == key) return &kc_apis[i];",
          "    return NULL;",
          "}", "",
          "bool kc_api_is_flexible(int16_t key, int16_t v)",
          "{",
          "    const kc_api_info *i = kc_api_find(key);",
          "    return i && v >= i->flex_from;",
          "}", ""]
    c += ["int kc_api_encode_error_response(int16_t key, int16_t v, int16_t error_code, kc_wbuf *w)",
          "{",
          "    switch (key) {"]
    for a in apis:
        if not a.cluster_op:
            continue
        err = [f for f in a.msgs["response"].children if f.name == "error_code"]
        assert err and err[0].vmin <= a.vmin and err[0].vmax >= a.vmax, \
            f"{a.name}: a request auth rule needs a top-level error_code in every version"
        resp = f"kc_{a.snake}_resp"
        c += [f"    case {a.key}: {{",
              f"        {resp} o = {{0}};",
              "        o.error_code = error_code;",
              f"        {resp}_encode(w, v, &o);",
              "        return 0;",
              "    }"]
    c += ["    default:", "        return -1;", "    }", "}", ""]
    for a in apis:
        for kind in ("request", "response"):
            structs = collect_structs(a, kind, a.msgs[kind])
            for s in structs:
                gen_struct(h, s)
            for s in structs[:-1]:  # the top-level message is never an array element
                gen_min_size(c, s)
            for s in structs:
                c.append(f"static int dec_{s.struct}(kc_rbuf *r, int16_t v, bool flex, "
                         f"{s.struct} *o, kc_arena *a);")
                c.append(f"static void enc_{s.struct}(kc_wbuf *w, int16_t v, bool flex, "
                         f"const {s.struct} *o);")
            c.append("")
            for s in structs:
                gen_decoder(c, s, structs[-1])
                gen_encoder(c, s)
            top = structs[-1].struct
            what = "request" if kind == "request" else "response"
            h.append(f"/**\n * Decode a {a.name} v@p v {what} body from @p r into @p out.\n"
                     f" * Arrays are allocated from @p a; strings and bytes are views into the\n"
                     f" * reader's buffer, valid while it lives. @return 0, or -1 when the body\n"
                     f" * is truncated or a length is out of bounds (r->err is set).\n */")
            h.append(f"int {top}_decode(kc_rbuf *r, int16_t v, {top} *out, kc_arena *a);")
            h.append(f"/** Append a {a.name} v@p v {what} body to @p w (which grows; OOM aborts). */")
            h.append(f"void {top}_encode(kc_wbuf *w, int16_t v, const {top} *in);")
            h.append("")
            c.append(f"int {top}_decode(kc_rbuf *r, int16_t v, {top} *out, kc_arena *a)")
            c.append("{")
            c.append(f"    return dec_{top}(r, v, v >= {a.flex}, out, a);")
            c.append("}")
            c.append("")
            c.append(f"void {top}_encode(kc_wbuf *w, int16_t v, const {top} *in)")
            c.append("{")
            c.append(f"    enc_{top}(w, v, v >= {a.flex}, in);")
            c.append("}")
            c.append("")
    gen_decode_dispatch(apis, h, c)
    h += ["#endif", ""]
    open(out_h, "w").write("\n".join(h))
    open(out_c, "w").write("\n".join(c))


if __name__ == "__main__":
    main()
