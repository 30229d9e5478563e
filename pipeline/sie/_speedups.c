/* Optional C accelerator for pipeline/sie/bulk.py: takes plain voucher blocks, chart and balance lines.
 *
 * take(parser, text, pos, end) reads whole lines of `text` from `pos` for as long as each line (or voucher
 * block) is one that bulk.py's patterns would take apart the same way, builds the same objects bulk.py
 * builds, updates the parser as bulk.py does, and returns the position of the first line it did not take.
 * Python goes on from there exactly as without the accelerator. Anything unusual is declined, never
 * guessed at: the pure-Python path is the reference (tests/sie/test_sie_bulk.py compares the two).
 *
 * The shared caches (dates, object lists, row tails) are bulk.py's own dicts; on a miss the Python function
 * that fills them is called, so both paths see the same values. configure() hands everything over once.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* Handed over by configure(); strong references kept for the life of the process. */
static PyObject *g_decimal;        /* decimal.Decimal */
static PyObject *g_row_type;       /* SieTransaction */
static PyObject *g_voucher_type;   /* SieVoucher */
static PyObject *g_account_type;   /* SieAccount */
static PyObject *g_account_keys;   /* SieAccount's field names, in order (6) */
static PyObject *g_row_keys;       /* SieTransaction's field names, in order (9) */
static PyObject *g_voucher_keys;   /* SieVoucher's field names, in order (12) */
static PyObject *g_dates;          /* values._DATES: date text -> date | None */
static PyObject *g_parse_date;     /* values.parse_date */
static PyObject *g_field_dates;    /* bulk._FIELD_DATES: raw field -> date | None | _BAD */
static PyObject *g_field_date;     /* bulk._field_date */
static PyObject *g_object_lists;   /* bulk._OBJECT_LISTS */
static PyObject *g_object_list;    /* bulk._object_list */
static PyObject *g_tails;          /* bulk._TAILS */
static PyObject *g_tail;           /* bulk._tail */
static PyObject *g_bad;            /* bulk._BAD */
static PyObject *g_years;          /* labels._YEARS: year text -> int */
static PyObject *g_crc;            /* bulk._crc */
static PyObject *g_crc_text;       /* bulk._crc_text */
static PyObject *g_zero;           /* vouchers._ZERO */
static PyObject *g_empty_tuple;
static PyObject *g_getcontext;     /* decimal.getcontext */
static PyObject *g_round_floor;    /* decimal.ROUND_FLOOR */

/* Interned names. */
static PyObject *s_state, *s_crc, *s_limits, *s_max_voucher_rows, *s_doc, *s_ready, *s_vsum, *s_vdebit,
    *s_lineno, *s_any_voucher, *s_seen_label, *s_accounts, *s_raw_balances, *s_has_balances,
    *s_voucher_count, *s_transaction_count, *s_debit_total, *s_accept, *s_name, *s_line, *s_sru, *s_type,
    *s_ksumma_closed, *s_raw_text;
static PyObject *k_trans;
static PyObject *s_kinds[7]; /* IB UB RES OIB OUB PSALDO PBUDGET */
static const char *const kind_names[7] = {"IB", "UB", "RES", "OIB", "OUB", "PSALDO", "PBUDGET"};

#define N_VOUCHER_KEYS 12
#define N_ROW_KEYS 9
#define N_ACCOUNT_KEYS 6
#define MAX_VER_FIELDS 6

typedef struct {
    PyObject *p;
    PyObject *doc;
    PyObject *text;
    int kind;
    const void *data;
    Py_ssize_t end;
    PyObject *ready;         /* p.ready */
    PyObject *accounts;      /* doc.accounts, fetched on first use */
    PyObject *raw_balances;  /* doc.raw_balances, fetched on first use */
    long long max_rows;
    long long lineno;        /* the last line taken (p.lineno) */
    long long flushed_lineno; /* p.lineno as last written */
    int state_open;          /* p.state was set: voucher blocks go the Python way */
    int crc_on;              /* p.crc is not None */
    Py_ssize_t crc_from, crc_to;  /* chart/balance lines taken but not yet added to the checksum */
    /* Buffered updates, written to the parser and document by flush(). */
    int took, took_voucher, took_balance;
    long long n_vouchers, n_rows;
    int exact_sums;          /* whether Sums may stay integers (context_keeps_sums_exact); -1 until asked */
    int have_debit_total, have_last;
    struct Sum *debit_total; /* doc.debit_total plus the debits of the vouchers since the last flush */
    struct Sum *last_total, *last_debit; /* the last voucher's sums (p.vsum, p.vdebit) */
} Ctx;

#define CH(c, i) PyUnicode_READ((c)->kind, (c)->data, (i))

static inline int is_blank(Py_UCS4 ch) { return ch == ' ' || ch == '\t'; }
static inline int is_digit(Py_UCS4 ch) { return ch >= '0' && ch <= '9'; }

static inline Py_ssize_t skip_blank(Ctx *c, Py_ssize_t i)
{
    while (i < c->end && is_blank(CH(c, i)))
        i++;
    return i;
}

static inline Py_ssize_t skip_digits(Ctx *c, Py_ssize_t i)
{
    while (i < c->end && is_digit(CH(c, i)))
        i++;
    return i;
}

/* The position of the next LF at or after i, or -1 if there is none before the end. */
static Py_ssize_t find_lf(Ctx *c, Py_ssize_t i)
{
    if (c->kind == PyUnicode_1BYTE_KIND) {
        const char *base = (const char *)c->data;
        const char *hit = memchr(base + i, '\n', (size_t)(c->end - i));
        return hit ? (Py_ssize_t)(hit - base) : -1;
    }
    for (; i < c->end; i++)
        if (CH(c, i) == '\n')
            return i;
    return -1;
}

static int has_backslash(Ctx *c, Py_ssize_t s, Py_ssize_t e)
{
    if (c->kind == PyUnicode_1BYTE_KIND)
        return memchr((const char *)c->data + s, '\\', (size_t)(e - s)) != NULL;
    for (; s < e; s++)
        if (CH(c, s) == '\\')
            return 1;
    return 0;
}

/* Whether the text at i is the ASCII string `s` (no bounds past the end). */
static int at(Ctx *c, Py_ssize_t i, const char *s)
{
    for (; *s; s++, i++)
        if (i >= c->end || CH(c, i) != (Py_UCS4)(unsigned char)*s)
            return 0;
    return 1;
}

/* Values of short spans of one-byte text, keyed by the characters themselves: an account, an amount, a
 * row's tail or an object list repeats from row to row, and a hit costs neither a new string nor a dict
 * lookup. Every value is what the Python path computes from the same characters (its caches are pure
 * functions of the text), so a hit gives the same object the Python path would build an equal copy of. */
#define SPAN_KEY_MAX 64
#define SPAN_SLOTS 1024

typedef struct {
    uint64_t hash;
    Py_ssize_t len;
    PyObject *value; /* strong reference; NULL when the slot is empty */
    char key[SPAN_KEY_MAX];
} SpanEntry;

typedef struct { SpanEntry *slots; } SpanCache;

static SpanCache cache_accounts, cache_tails, cache_objects, cache_dates, cache_field_dates, cache_years,
    cache_periods;

static inline uint64_t span_hash(const char *s, Py_ssize_t n)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (Py_ssize_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* The cached value of text[s:e] (new reference), or NULL without an exception on a miss; *slot is where
 * span_store puts it (NULL when the span is not cacheable). */
static PyObject *span_get(SpanCache *cache, Ctx *c, Py_ssize_t s, Py_ssize_t e, SpanEntry **slot)
{
    *slot = NULL;
    Py_ssize_t n = e - s;
    if (c->kind != PyUnicode_1BYTE_KIND || n > SPAN_KEY_MAX)
        return NULL;
    if (cache->slots == NULL) {
        cache->slots = PyMem_Calloc(SPAN_SLOTS, sizeof(SpanEntry));
        if (cache->slots == NULL)
            return NULL;
    }
    const char *key = (const char *)c->data + s;
    uint64_t h = span_hash(key, n);
    SpanEntry *entry = &cache->slots[h & (SPAN_SLOTS - 1)];
    *slot = entry;
    if (entry->value != NULL && entry->hash == h && entry->len == n && memcmp(entry->key, key, (size_t)n) == 0)
        return Py_NewRef(entry->value);
    return NULL;
}

static void span_store(SpanEntry *slot, Ctx *c, Py_ssize_t s, Py_ssize_t e, PyObject *value)
{
    if (slot == NULL)
        return;
    Py_ssize_t n = e - s;
    const char *key = (const char *)c->data + s;
    slot->hash = span_hash(key, n);
    slot->len = n;
    memcpy(slot->key, key, (size_t)n);
    Py_XSETREF(slot->value, Py_NewRef(value));
}

/* A field as bulk._F takes it: "quoted" (no backslash, quote or LF inside) or a bare word (no whitespace,
 * quote, brace or backslash). Returns the position after it, or -1. */
static Py_ssize_t field_end(Ctx *c, Py_ssize_t i)
{
    if (i >= c->end)
        return -1;
    Py_UCS4 ch = CH(c, i);
    if (ch == '"') {
        for (i++; i < c->end; i++) {
            ch = CH(c, i);
            if (ch == '"')
                return i + 1;
            if (ch == '\\' || ch == '\n')
                return -1;
        }
        return -1;
    }
    Py_ssize_t start = i;
    for (; i < c->end; i++) {
        ch = CH(c, i);
        if (ch == '"' || ch == '{' || ch == '}' || ch == '\\' || Py_UNICODE_ISSPACE(ch))
            break;
    }
    return i > start ? i : -1;
}

/* A field's text without its quotes (new reference). */
static PyObject *unquoted(Ctx *c, Py_ssize_t s, Py_ssize_t e)
{
    if (e - s >= 2 && CH(c, s) == '"')
        return PyUnicode_Substring(c->text, s + 1, e - 1);
    return PyUnicode_Substring(c->text, s, e);
}

/* Digits after at least one separator at i: their span in *s, *e; 0 when there are none. */
static int digits_after_blank(Ctx *c, Py_ssize_t i, Py_ssize_t *s, Py_ssize_t *e)
{
    *s = skip_blank(c, i);
    *e = skip_digits(c, *s);
    return *s > i && *e > *s;
}

/* The `}` closing a plain object list whose contents start at i (no brace, backslash or LF before it), or -1. */
static Py_ssize_t object_list_end(Ctx *c, Py_ssize_t i)
{
    for (; i < c->end; i++) {
        Py_UCS4 ch = CH(c, i);
        if (ch == '}')
            return i;
        if (ch == '{' || ch == '\\' || ch == '\n')
            return -1;
    }
    return -1;
}

/* cache[key], or fn(key) on a miss (new reference). */
static PyObject *cached(PyObject *cache, PyObject *fn, PyObject *key)
{
    PyObject *hit = PyDict_GetItemWithError(cache, key);
    if (hit != NULL)
        return Py_NewRef(hit);
    if (PyErr_Occurred())
        return NULL;
    return PyObject_CallOneArg(fn, key);
}

/* text[s:e] looked up in `dict` (calling fn on a miss) through the span cache (new reference). */
static PyObject *span_lookup(SpanCache *cache, Ctx *c, Py_ssize_t s, Py_ssize_t e, PyObject *dict, PyObject *fn)
{
    SpanEntry *slot;
    PyObject *value = span_get(cache, c, s, e, &slot);
    if (value != NULL)
        return value;
    PyObject *key = PyUnicode_Substring(c->text, s, e);
    if (key == NULL)
        return NULL;
    value = cached(dict, fn, key);
    Py_DECREF(key);
    if (value != NULL)
        span_store(slot, c, s, e, value);
    return value;
}

/* The (dimension, object) pairs of object-list contents [s, e), as bulk.py reads them; may be g_bad. */
static PyObject *object_pairs(Ctx *c, Py_ssize_t s, Py_ssize_t e)
{
    if (s == e)
        return Py_NewRef(g_empty_tuple);
    return span_lookup(&cache_objects, c, s, e, g_object_lists, g_object_list);
}

/* text[s:e] as a string, shared through the span cache (new reference). */
static PyObject *span_string(SpanCache *cache, Ctx *c, Py_ssize_t s, Py_ssize_t e)
{
    SpanEntry *slot;
    PyObject *value = span_get(cache, c, s, e, &slot);
    if (value != NULL)
        return value;
    value = PyUnicode_Substring(c->text, s, e);
    if (value != NULL)
        span_store(slot, c, s, e, value);
    return value;
}

/* Decimal(text[s:e]) (new reference). Amounts are not cached: they repeat far less than the other fields. */
static PyObject *span_decimal(Ctx *c, Py_ssize_t s, Py_ssize_t e)
{
    PyObject *text = PyUnicode_Substring(c->text, s, e);
    if (text == NULL)
        return NULL;
    PyObject *value = PyObject_CallOneArg(g_decimal, text);
    Py_DECREF(text);
    return value;
}

/* A row's tail (what follows the amount: date, text, quantity, sign) read as bulk._tail reads it, for
 * the plain shapes: at most four fields separated by blanks, each a bare word or a quoted string without
 * a backslash or a brace, and a quantity written as digits. Returns the (date, text, quantity, sign)
 * tuple or g_bad, as bulk._tail would; NULL without an exception for any other shape (bulk._tail reads
 * it), NULL with one on error. */
static PyObject *plain_tail(Ctx *c, Py_ssize_t s, Py_ssize_t e)
{
    Py_ssize_t fs[4], fe[4];
    int n = 0;
    Py_ssize_t i = s;
    for (;;) {
        Py_ssize_t j = i;
        while (j < e && is_blank(CH(c, j)))
            j++;
        if (j >= e)
            break;
        if ((j == i && n > 0) || n == 4)
            return NULL;
        Py_ssize_t k;
        if (CH(c, j) == '"') {
            for (k = j + 1; k < e; k++) {
                Py_UCS4 ch = CH(c, k);
                if (ch == '"')
                    break;
                if (ch == '\\' || ch == '{' || ch == '}' || ch == '\n')
                    return NULL;
            }
            if (k >= e)
                return NULL;
            fs[n] = j + 1;
            fe[n] = k;
            i = k + 1;
        } else {
            for (k = j; k < e; k++) {
                Py_UCS4 ch = CH(c, k);
                if (ch == '"' || ch == '{' || ch == '}' || ch == '\\' || Py_UNICODE_ISSPACE(ch))
                    break;
            }
            if (k == j)
                return NULL;
            fs[n] = j;
            fe[n] = k;
            i = k;
        }
        if (i < e && !is_blank(CH(c, i)))
            return NULL;
        n++;
    }
    PyObject *day = NULL, *text = NULL, *quantity = NULL, *sign = NULL, *result = NULL;
    if (n > 2 && fe[2] > fs[2]) { /* the quantity: -?[0-9]+(\.[0-9]+)?, else bulk._tail judges it */
        Py_ssize_t k = fs[2] + (CH(c, fs[2]) == '-');
        Py_ssize_t d = k;
        k = skip_digits(c, k);
        if (k == d)
            return NULL;
        if (k < fe[2] && CH(c, k) == '.') {
            d = k + 1;
            k = skip_digits(c, d);
            if (k == d)
                return NULL;
        }
        if (k != fe[2])
            return NULL;
    }
    if (n > 0 && fe[0] > fs[0]) {
        day = span_lookup(&cache_dates, c, fs[0], fe[0], g_dates, g_parse_date);
        if (day == NULL)
            return NULL;
        if (day == Py_None) { /* not a date: bulk._tail gives _BAD */
            Py_DECREF(day);
            return Py_NewRef(g_bad);
        }
    } else {
        day = Py_NewRef(Py_None);
    }
    text = n > 1 && fe[1] > fs[1] ? PyUnicode_Substring(c->text, fs[1], fe[1]) : Py_NewRef(Py_None);
    quantity = n > 2 && fe[2] > fs[2] ? span_decimal(c, fs[2], fe[2]) : Py_NewRef(Py_None);
    sign = n > 3 && fe[3] > fs[3] ? PyUnicode_Substring(c->text, fs[3], fe[3]) : Py_NewRef(Py_None);
    if (text != NULL && quantity != NULL && sign != NULL)
        result = PyTuple_Pack(4, day, text, quantity, sign);
    Py_DECREF(day);
    Py_XDECREF(text);
    Py_XDECREF(quantity);
    Py_XDECREF(sign);
    return result;
}

/* A row's tail as bulk._tail reads it, through the span cache (new reference). */
static PyObject *row_tail(Ctx *c, Py_ssize_t s, Py_ssize_t e)
{
    SpanEntry *slot;
    PyObject *value = span_get(&cache_tails, c, s, e, &slot);
    if (value != NULL)
        return value;
    value = plain_tail(c, s, e);
    if (value == NULL) {
        if (PyErr_Occurred())
            return NULL;
        PyObject *key = PyUnicode_Substring(c->text, s, e);
        if (key == NULL)
            return NULL;
        value = cached(g_tails, g_tail, key);
        Py_DECREF(key);
        if (value == NULL)
            return NULL;
    }
    span_store(slot, c, s, e, value);
    return value;
}

static int set_attr_long(PyObject *obj, PyObject *name, long long value)
{
    PyObject *v = PyLong_FromLongLong(value);
    if (v == NULL)
        return -1;
    int rc = PyObject_SetAttr(obj, name, v);
    Py_DECREF(v);
    return rc;
}

static int add_to_attr(PyObject *obj, PyObject *name, long long n)
{
    if (n == 0)
        return 0;
    PyObject *old = PyObject_GetAttr(obj, name);
    if (old == NULL)
        return -1;
    PyObject *delta = PyLong_FromLongLong(n);
    PyObject *sum = delta ? PyNumber_Add(old, delta) : NULL;
    Py_DECREF(old);
    Py_XDECREF(delta);
    if (sum == NULL)
        return -1;
    int rc = PyObject_SetAttr(obj, name, sum);
    Py_DECREF(sum);
    return rc;
}

/* Adds the pending chart/balance span to the running #KSUMMA checksum through bulk._crc. */
/* ---- Decimal sums ------------------------------------------------------------------------------------
 *
 * bulk.py sums a voucher's amounts (and the document's debit total) with Decimal additions that start from
 * Decimal(0). While every amount has at most 18 digits and the sums stay below 10**27, each of those
 * additions is exact under a context of at least 28 digits, so its result is the exact value with the
 * smallest exponent of its operands, and a zero result is +0 unless the context rounds toward -Infinity.
 * A Sum keeps such a value as an integer coefficient and a scale (value = coef / 10**scale) and makes the
 * Decimal only when one is needed; the first amount or total outside those bounds turns it into a Decimal
 * and the additions go on in Decimal, as in bulk.py. */
#if defined(__SIZEOF_INT128__) && !defined(SIE_NO_INT128) /* SIE_NO_INT128: test the fallback */
typedef __int128 Coef;
#define EXACT_SUMS 1
#else
typedef long long Coef;
#define EXACT_SUMS 0
#endif
#define SUM_LIMIT_DIGITS 27
#define AMOUNT_MAX_DIGITS 18

typedef struct Sum {
    PyObject *dec; /* the sum as a Decimal once it left the integer form; NULL while it is in it */
    Coef coef;
    int scale;
} Sum;

static Coef pow10_table[SUM_LIMIT_DIGITS + 1]; /* 10**0 .. 10**27, filled at import */

static Coef pow10_coef(int n) { return pow10_table[n]; }

static Coef coef_abs(Coef v) { return v < 0 ? -v : v; }

/* The Decimal of an integer-form sum (new reference): its digits with the point `scale` places from the
 * right, e.g. -12345 at scale 2 is Decimal("-123.45") and 0 at scale 2 is Decimal("0.00"). */
static PyObject *coef_decimal(Coef coef, int scale)
{
    char buf[64];
    char *end = buf + sizeof buf - 1, *p = end;
    *p = '\0';
    Coef v = coef_abs(coef);
    int written = 0;
    do {
        *--p = (char)('0' + (int)(v % 10));
        v /= 10;
        written++;
        if (written == scale)
            *--p = '.';
    } while (v != 0 || written <= scale);
    if (p[0] == '.')
        *--p = '0';
    if (coef < 0)
        *--p = '-';
    PyObject *text = PyUnicode_FromString(p);
    if (text == NULL)
        return NULL;
    PyObject *value = PyObject_CallOneArg(g_decimal, text);
    Py_DECREF(text);
    return value;
}

static PyObject *sum_decimal(Sum *sum)
{
    return sum->dec != NULL ? Py_NewRef(sum->dec) : coef_decimal(sum->coef, sum->scale);
}

static int sum_to_decimal_form(Sum *sum)
{
    if (sum->dec == NULL && (sum->dec = coef_decimal(sum->coef, sum->scale)) == NULL)
        return -1;
    return 0;
}

/* sum += (coef, scale) in integer form; 0 when the result would leave the bounds (the sum is unchanged). */
static int coef_add(Sum *sum, Coef coef, int scale)
{
    const Coef limit = pow10_table[SUM_LIMIT_DIGITS];
    Coef mine = sum->coef, theirs = coef;
    int to = sum->scale > scale ? sum->scale : scale;
    if (to > AMOUNT_MAX_DIGITS)
        return 0;
    if (to > sum->scale) {
        if (coef_abs(mine) >= pow10_coef(SUM_LIMIT_DIGITS - (to - sum->scale)))
            return 0;
        mine *= pow10_coef(to - sum->scale);
    }
    if (to > scale)
        theirs *= pow10_coef(to - scale); /* |coef| < 10**18 and to - scale <= 18: no overflow */
    Coef total = mine + theirs;
    if (coef_abs(total) >= limit)
        return 0;
    sum->coef = total;
    sum->scale = to;
    return 1;
}

/* sum += an amount (its Decimal, and its integer form when `exact`). */
static int sum_add(Sum *sum, PyObject *amount, int exact, Coef coef, int scale)
{
    if (sum->dec == NULL && exact && coef_add(sum, coef, scale))
        return 0;
    if (sum_to_decimal_form(sum) < 0)
        return -1;
    PyObject *total = PyNumber_Add(sum->dec, amount);
    if (total == NULL)
        return -1;
    Py_SETREF(sum->dec, total);
    return 0;
}

/* sum += other (both Sums). */
static int sum_add_sum(Sum *sum, Sum *other)
{
    if (sum->dec == NULL && other->dec == NULL && coef_add(sum, other->coef, other->scale))
        return 0;
    PyObject *amount = sum_decimal(other);
    if (amount == NULL)
        return -1;
    int rc = sum_add(sum, amount, 0, 0, 0);
    Py_DECREF(amount);
    return rc;
}

static int sum_is_zero(Sum *sum)
{
    return sum->dec == NULL ? sum->coef == 0 : !PyObject_IsTrue(sum->dec);
}

static void sum_clear(Sum *sum)
{
    Py_CLEAR(sum->dec);
    sum->coef = 0;
    sum->scale = 0;
}

/* A plain amount -?[0-9]+(\.[0-9]+)? of text[s:e] as (coef, scale); 0 when it has more than 18 digits. */
static int amount_coef(Ctx *c, Py_ssize_t s, Py_ssize_t e, Coef *coef, int *scale)
{
    int negative = CH(c, s) == '-', digits = 0, frac = -1;
    long long v = 0;
    for (Py_ssize_t i = s + negative; i < e; i++) {
        Py_UCS4 ch = CH(c, i);
        if (ch == '.') {
            frac = 0;
            continue;
        }
        if (++digits > AMOUNT_MAX_DIGITS)
            return 0;
        v = v * 10 + (long long)(ch - '0');
        if (frac >= 0)
            frac++;
    }
    *coef = negative ? -(Coef)v : (Coef)v;
    *scale = frac < 0 ? 0 : frac;
    return 1;
}

/* Whether the current decimal context keeps the integer-form sums exact (see above); -1 on error. */
static int context_keeps_sums_exact(void)
{
    if (!EXACT_SUMS)
        return 0;
    PyObject *context = PyObject_CallNoArgs(g_getcontext);
    if (context == NULL)
        return -1;
    int ok = 0;
    PyObject *prec = PyObject_GetAttrString(context, "prec");
    PyObject *rounding = prec ? PyObject_GetAttrString(context, "rounding") : NULL;
    PyObject *emax = rounding ? PyObject_GetAttrString(context, "Emax") : NULL;
    PyObject *emin = emax ? PyObject_GetAttrString(context, "Emin") : NULL;
    Py_DECREF(context);
    if (emin != NULL) {
        long long p = PyLong_AsLongLong(prec), hi = PyLong_AsLongLong(emax), lo = PyLong_AsLongLong(emin);
        int floor = PyObject_RichCompareBool(rounding, g_round_floor, Py_EQ);
        if (!PyErr_Occurred() && floor >= 0)
            ok = p >= SUM_LIMIT_DIGITS + 1 && hi >= 100 && lo <= -100 && !floor;
    }
    Py_XDECREF(prec);
    Py_XDECREF(rounding);
    Py_XDECREF(emax);
    Py_XDECREF(emin);
    return PyErr_Occurred() ? -1 : ok;
}

/* The document's debit total as a Sum (integer form when its text is a plain amount). */
static int debit_total_sum(Ctx *c, Sum *sum)
{
    PyObject *total = PyObject_GetAttr(c->doc, s_debit_total);
    if (total == NULL)
        return -1;
    sum_clear(sum);
    PyObject *text = c->exact_sums ? PyObject_Str(total) : NULL;
    if (text != NULL && PyUnicode_IS_ASCII(text)) {
        const char *t = (const char *)PyUnicode_DATA(text);
        Py_ssize_t n = PyUnicode_GET_LENGTH(text), i = t[0] == '-', d = 0, f = -1;
        Coef v = 0;
        int ok = n > i && t[0] != '-'; /* a plain non-negative amount (a debit total is never below zero) */
        for (; ok && i < n; i++) {
            if (t[i] == '.' && f < 0 && d > 0) {
                f = 0;
            } else if (t[i] >= '0' && t[i] <= '9' && ++d <= AMOUNT_MAX_DIGITS) {
                v = v * 10 + (t[i] - '0');
                if (f >= 0)
                    f++;
            } else {
                ok = 0;
            }
        }
        if (ok && f != 0) {
            sum->coef = v;
            sum->scale = f < 0 ? 0 : (int)f;
            Py_DECREF(text);
            Py_DECREF(total);
            return 0;
        }
    }
    Py_XDECREF(text);
    PyErr_Clear();
    sum->dec = total; /* stays a Decimal */
    return 0;
}

/* Adds the pending span (chart and balance lines, voucher blocks: none has a backslash) to the running
 * #KSUMMA checksum: the text bulk._crc hashes for such a span (quoted parts as they are, bare parts without
 * whitespace and braces, the quotes dropped), taken from the raw Latin-1 text when the parser has it, goes
 * to bulk._crc_text, which encodes it and updates the checksum. */
static int flush_crc(Ctx *c)
{
    if (c->crc_from < 0)
        return 0;
    Py_ssize_t s = c->crc_from, e = c->crc_to;
    c->crc_from = c->crc_to = -1;
    PyObject *raw = PyObject_GetAttr(c->p, s_raw_text);
    if (raw == NULL)
        return -1;
    PyObject *source = raw != Py_None ? raw : c->text;
    if (!PyUnicode_Check(source) || PyUnicode_GET_LENGTH(source) < e) {
        Py_DECREF(raw);
        PyErr_SetString(PyExc_RuntimeError, "the parser's raw text does not match its text");
        return -1;
    }
    int kind = PyUnicode_KIND(source);
    const void *data = PyUnicode_DATA(source);
    Py_UCS4 *out = PyMem_Malloc(sizeof(Py_UCS4) * (size_t)(e - s + 1));
    if (out == NULL) {
        Py_DECREF(raw);
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t n = 0;
    int quoted = 0;
    for (Py_ssize_t i = s; i < e; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (ch == '"')
            quoted = !quoted;
        else if (quoted || !(Py_UNICODE_ISSPACE(ch) || ch == '{' || ch == '}'))
            out[n++] = ch;
    }
    Py_DECREF(raw);
    PyObject *text = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out, n);
    PyMem_Free(out);
    if (text == NULL)
        return -1;
    PyObject *r = PyObject_CallFunctionObjArgs(g_crc_text, c->p, text, NULL);
    Py_DECREF(text);
    if (r == NULL)
        return -1;
    Py_DECREF(r);
    return 0;
}

/* Writes the buffered updates to the parser and the document, as bulk.py makes them line by line. */
static int flush(Ctx *c)
{
    if (flush_crc(c) < 0)
        return -1;
    if (c->lineno != c->flushed_lineno) {
        if (set_attr_long(c->p, s_lineno, c->lineno) < 0)
            return -1;
        c->flushed_lineno = c->lineno;
    }
    if (!c->took)
        return 0;
    c->took = 0;
    if (PyObject_SetAttr(c->p, s_seen_label, Py_True) < 0)
        return -1;
    if (c->took_balance) {
        c->took_balance = 0;
        if (PyObject_SetAttr(c->doc, s_has_balances, Py_True) < 0)
            return -1;
    }
    if (c->took_voucher) {
        c->took_voucher = 0;
        if (PyObject_SetAttr(c->p, s_any_voucher, Py_True) < 0)
            return -1;
    }
    if (c->have_last) {
        c->have_last = 0;
        PyObject *vsum = sum_decimal(c->last_total);
        PyObject *vdebit = vsum ? sum_decimal(c->last_debit) : NULL;
        int rc = vdebit == NULL || PyObject_SetAttr(c->p, s_vsum, vsum) < 0
                 || PyObject_SetAttr(c->p, s_vdebit, vdebit) < 0 ? -1 : 0;
        Py_XDECREF(vsum);
        Py_XDECREF(vdebit);
        if (rc < 0)
            return -1;
    }
    long long vouchers = c->n_vouchers, rows = c->n_rows;
    c->n_vouchers = c->n_rows = 0;
    if (add_to_attr(c->doc, s_voucher_count, vouchers) < 0 || add_to_attr(c->doc, s_transaction_count, rows) < 0)
        return -1;
    if (c->have_debit_total) {
        c->have_debit_total = 0;
        PyObject *total = sum_decimal(c->debit_total);
        int rc = total == NULL || PyObject_SetAttr(c->doc, s_debit_total, total) < 0 ? -1 : 0;
        Py_XDECREF(total);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* A line or block [start, end) was taken; chart and balance lines are hashed for #KSUMMA in spans of
 * adjacent lines (their fields have no backslash and their quotes pair, so a span hashes as its lines do). */
static int mark_taken(Ctx *c, Py_ssize_t start, Py_ssize_t end)
{
    c->took = 1;
    if (!c->crc_on)
        return 0;
    if (c->crc_from >= 0 && c->crc_to != start && flush_crc(c) < 0)
        return -1;
    if (c->crc_from < 0)
        c->crc_from = start;
    c->crc_to = end;
    return 0;
}

/* ---- #KONTO / #SRU / #KTYP ------------------------------------------------------------------------- */

/* One chart line at pos (label at `label`, after '#'); returns the next line's position, 0 to decline,
 * -1 on error. As bulk._chart_rows. */
static Py_ssize_t take_chart(Ctx *c, Py_ssize_t pos, Py_ssize_t label)
{
    int which; /* 0 KONTO, 1 SRU, 2 KTYP */
    Py_ssize_t i;
    if (at(c, label, "KONTO")) { which = 0; i = label + 5; }
    else if (at(c, label, "SRU")) { which = 1; i = label + 3; }
    else if (at(c, label, "KTYP")) { which = 2; i = label + 4; }
    else return 0;
    Py_ssize_t num_s, num_e;
    if (!digits_after_blank(c, i, &num_s, &num_e))
        return 0;
    Py_ssize_t j = skip_blank(c, num_e);
    if (j == num_e)
        return 0;
    Py_ssize_t val_s = j, val_e = field_end(c, j);
    if (val_e < 0)
        return 0;
    Py_ssize_t lf = skip_blank(c, val_e);
    if (lf >= c->end || CH(c, lf) != '\n')
        return 0;

    if (c->accounts == NULL) {
        c->accounts = PyObject_GetAttr(c->doc, s_accounts);
        if (c->accounts == NULL)
            return -1;
    }
    if (!PyDict_CheckExact(c->accounts))
        return 0;
    long long line = c->lineno + 1;
    Py_ssize_t result = -1;
    PyObject *number = NULL, *value = NULL, *known = NULL, *line_obj = NULL;
    number = span_string(&cache_accounts, c, num_s, num_e);
    value = number ? unquoted(c, val_s, val_e) : NULL;
    if (value == NULL)
        goto done;
    known = PyDict_GetItemWithError(c->accounts, number);
    if (known == NULL && PyErr_Occurred())
        goto done;
    Py_XINCREF(known);
    PyObject *name = PyUnicode_GET_LENGTH(value) ? value : Py_None;
    if (which == 0) {
        line_obj = PyLong_FromLongLong(line);
        if (line_obj == NULL)
            goto done;
        if (known == NULL) { /* SieAccount(number, name, line=line), its attributes set in field order */
            PyObject *sru = PyList_New(0);
            PyObject *account = sru ? PyBaseObject_Type.tp_new((PyTypeObject *)g_account_type, g_empty_tuple, NULL)
                                    : NULL;
            PyObject *items[N_ACCOUNT_KEYS] = {number, name, Py_None, Py_None, sru, line_obj};
            int rc = account ? 0 : -1;
            for (int k = 0; rc == 0 && k < N_ACCOUNT_KEYS; k++)
                rc = PyObject_GenericSetAttr(account, PyTuple_GET_ITEM(g_account_keys, k), items[k]);
            if (rc == 0)
                rc = PyDict_SetItem(c->accounts, number, account);
            Py_XDECREF(sru);
            Py_XDECREF(account);
            if (rc < 0)
                goto done;
        } else if (PyObject_SetAttr(known, s_name, name) < 0 || PyObject_SetAttr(known, s_line, line_obj) < 0) {
            goto done;
        }
    } else if (known == NULL || (which == 1 && PyUnicode_GET_LENGTH(value) == 0)) {
        result = 0; /* the general path creates and reports */
        goto done;
    } else if (which == 1) {
        PyObject *sru = PyObject_GetAttr(known, s_sru);
        if (sru == NULL)
            goto done;
        int rc;
        if (PyList_CheckExact(sru)) {
            rc = PyList_Append(sru, value);
        } else {
            PyObject *r = PyObject_CallMethod(sru, "append", "O", value);
            rc = r ? 0 : -1;
            Py_XDECREF(r);
        }
        Py_DECREF(sru);
        if (rc < 0)
            goto done;
    } else if (PyObject_SetAttr(known, s_type, name) < 0) {
        goto done;
    }
    c->lineno = line;
    result = mark_taken(c, pos, lf + 1) < 0 ? -1 : lf + 1;
done:
    Py_XDECREF(number);
    Py_XDECREF(value);
    Py_XDECREF(known);
    Py_XDECREF(line_obj);
    return result;
}

/* ---- #IB #UB #RES #OIB #OUB #PSALDO #PBUDGET -------------------------------------------------------- */

typedef struct { Py_ssize_t s, e; int braces; } Token;

static int all_digits(Ctx *c, Token t)
{
    if (t.braces || t.e == t.s)
        return 0;
    for (Py_ssize_t i = t.s; i < t.e; i++)
        if (!is_digit(CH(c, i)))
            return 0;
    return 1;
}

static int is_amount_token(Ctx *c, Token t)
{ /* -?[0-9]+(\.[0-9]+)? */
    if (t.braces)
        return 0;
    Py_ssize_t i = t.s;
    if (i < t.e && CH(c, i) == '-')
        i++;
    Py_ssize_t d = i;
    while (i < t.e && is_digit(CH(c, i)))
        i++;
    if (i == d)
        return 0;
    if (i < t.e && CH(c, i) == '.') {
        d = ++i;
        while (i < t.e && is_digit(CH(c, i)))
            i++;
        if (i == d)
            return 0;
    }
    return i == t.e;
}

static int is_year_token(Ctx *c, Token t)
{
    if (t.braces || t.e == t.s)
        return 0;
    Token digits = {t.s + (CH(c, t.s) == '-'), t.e, 0};
    return all_digits(c, digits);
}

static int is_period_token(Ctx *c, Token t)
{ /* [0-9]{4}(0[1-9]|1[0-2]) */
    if (t.e - t.s != 6 || !all_digits(c, t))
        return 0;
    Py_UCS4 m1 = CH(c, t.s + 4), m2 = CH(c, t.s + 5);
    return (m1 == '0' && m2 != '0') || (m1 == '1' && m2 <= '2');
}

/* One balance line at pos; as bulk._BAL and bulk._balance_rows. */
static Py_ssize_t take_balance(Ctx *c, Py_ssize_t pos, Py_ssize_t label)
{
    int which = -1;
    Py_ssize_t i = 0;
    for (int k = 0; k < 7; k++) {
        Py_ssize_t len = (Py_ssize_t)strlen(kind_names[k]);
        if (at(c, label, kind_names[k]) && label + len < c->end && is_blank(CH(c, label + len))) {
            which = k;
            i = label + len;
            break;
        }
    }
    if (which < 0)
        return 0;
    /* Fields separated by [ \t]+; an object list {...} is one token and may hold blanks. */
    Token tok[5];
    int n = 0;
    Py_ssize_t lf;
    for (;;) {
        Py_ssize_t j = skip_blank(c, i);
        if (j >= c->end)
            return 0;
        if (CH(c, j) == '\n') {
            lf = j;
            break;
        }
        if (j == i || n == 5)
            return 0;
        Token t = {j, j, 0};
        if (CH(c, j) == '{') {
            Py_ssize_t k = object_list_end(c, j + 1);
            if (k < 0)
                return 0;
            t.e = k + 1;
            t.braces = 1;
        } else {
            Py_ssize_t k = j;
            while (k < c->end && !is_blank(CH(c, k)) && CH(c, k) != '\n')
                k++;
            t.e = k;
        }
        if (t.e >= c->end || !(is_blank(CH(c, t.e)) || CH(c, t.e) == '\n'))
            return 0;
        tok[n++] = t;
        i = t.e;
    }
    /* The pattern tries "year period account [objects] amount" first, then "year account [objects] amount". */
    Token year, account, amount, objs = {0, 0, 0};
    int has_period = 0, has_objs = 0;
    Token period = {0, 0, 0};
    if ((n == 4 || n == 5) && is_year_token(c, tok[0]) && is_period_token(c, tok[1]) && all_digits(c, tok[2])
            && (n == 4 || tok[3].braces) && is_amount_token(c, tok[n - 1])) {
        year = tok[0];
        period = tok[1];
        has_period = 1;
        account = tok[2];
        has_objs = n == 5;
        if (has_objs)
            objs = tok[3];
        amount = tok[n - 1];
    } else if ((n == 3 || n == 4) && is_year_token(c, tok[0]) && all_digits(c, tok[1])
               && (n == 3 || tok[2].braces) && is_amount_token(c, tok[n - 1])) {
        year = tok[0];
        account = tok[1];
        has_objs = n == 4;
        if (has_objs)
            objs = tok[2];
        amount = tok[n - 1];
    } else {
        return 0;
    }
    /* A period belongs to #PSALDO/#PBUDGET only (bulk._balance_rows). */
    if (has_period != (which >= 5))
        return 0;

    Py_ssize_t result = -1;
    PyObject *year_text = NULL, *objects = NULL, *account_obj = NULL, *amount_obj = NULL, *period_obj = NULL,
             *line_obj = NULL, *item = NULL;
    year_text = span_string(&cache_years, c, year.s, year.e);
    if (year_text == NULL)
        goto done;
    PyObject *year_value = PyDict_GetItemWithError(g_years, year_text);
    if (year_value == NULL) {
        result = PyErr_Occurred() ? -1 : 0;
        goto done;
    }
    Py_INCREF(year_value);
    objects = has_objs ? object_pairs(c, objs.s + 1, objs.e - 1) : Py_NewRef(g_empty_tuple);
    if (objects == NULL || objects == g_bad) {
        result = objects == NULL ? -1 : 0;
        Py_DECREF(year_value);
        goto done;
    }
    account_obj = span_string(&cache_accounts, c, account.s, account.e);
    amount_obj = PyUnicode_Substring(c->text, amount.s, amount.e);
    period_obj = has_period ? span_string(&cache_periods, c, period.s, period.e) : Py_NewRef(Py_None);
    line_obj = PyLong_FromLongLong(c->lineno + 1);
    if (account_obj == NULL || amount_obj == NULL || period_obj == NULL || line_obj == NULL) {
        Py_DECREF(year_value);
        goto done;
    }
    item = PyTuple_Pack(8, s_kinds[which], year_value, account_obj, amount_obj, Py_None, objects, period_obj,
                        line_obj);
    Py_DECREF(year_value);
    if (item == NULL)
        goto done;
    if (c->raw_balances == NULL) {
        c->raw_balances = PyObject_GetAttr(c->doc, s_raw_balances);
        if (c->raw_balances == NULL)
            goto done;
    }
    if (!PyList_CheckExact(c->raw_balances)) {
        result = 0;
        goto done;
    }
    if (PyList_Append(c->raw_balances, item) < 0)
        goto done;
    c->lineno += 1;
    c->took_balance = 1;
    result = mark_taken(c, pos, lf + 1) < 0 ? -1 : lf + 1;
done:
    Py_XDECREF(year_text);
    Py_XDECREF(objects);
    Py_XDECREF(account_obj);
    Py_XDECREF(amount_obj);
    Py_XDECREF(period_obj);
    Py_XDECREF(line_obj);
    Py_XDECREF(item);
    return result;
}

/* ---- #VER { #TRANS ... } ---------------------------------------------------------------------------- */

/* One #TRANS row at pos as bulk._ROW and bulk._rows take it: appends the row to `rows` and adds its amount
 * to the sums. Returns the next line's position, 0 to decline the block, -1 on error. */
static Py_ssize_t take_row(Ctx *c, Py_ssize_t pos, long long line, PyObject *rows, Sum *total, Sum *debit)
{
    Py_ssize_t i = skip_blank(c, pos);
    if (!at(c, i, "#TRANS"))
        return 0;
    i += 6;
    Py_ssize_t acc_s, acc_e;
    if (!digits_after_blank(c, i, &acc_s, &acc_e))
        return 0;
    Py_ssize_t j = skip_blank(c, acc_e);
    if (j == acc_e || j >= c->end || CH(c, j) != '{')
        return 0;
    Py_ssize_t obj_s = j + 1, k = object_list_end(c, obj_s);
    if (k < 0)
        return 0;
    Py_ssize_t obj_e = k;
    j = skip_blank(c, k + 1);
    if (j == k + 1)
        return 0;
    Py_ssize_t amt_s = j;
    if (j < c->end && CH(c, j) == '-')
        j++;
    Py_ssize_t d = j;
    j = skip_digits(c, j);
    if (j == d)
        return 0;
    if (j < c->end && CH(c, j) == '.') {
        d = j + 1;
        j = skip_digits(c, d);
        if (j == d)
            return 0;
    }
    Py_ssize_t amt_e = j;
    if (j >= c->end)
        return 0;
    Py_ssize_t lf;
    if (CH(c, j) == '\n') {
        lf = j;
    } else if (is_blank(CH(c, j))) {
        lf = find_lf(c, j);
        if (lf < 0)
            return 0;
    } else {
        return 0;
    }

    Py_ssize_t result = -1;
    PyObject *rest = NULL, *objects = NULL, *account = NULL, *amount = NULL, *row = NULL,
             *line_obj = NULL;
    rest = row_tail(c, amt_e, lf);
    if (rest == NULL)
        goto done;
    objects = object_pairs(c, obj_s, obj_e);
    if (objects == NULL)
        goto done;
    if (rest == g_bad || objects == g_bad || !PyTuple_CheckExact(rest) || PyTuple_GET_SIZE(rest) != 4) {
        result = 0;
        goto done;
    }
    account = span_string(&cache_accounts, c, acc_s, acc_e);
    amount = account ? span_decimal(c, amt_s, amt_e) : NULL;
    line_obj = amount ? PyLong_FromLongLong(line) : NULL;
    if (line_obj == NULL)
        goto done;
    PyObject *day = PyTuple_GET_ITEM(rest, 0), *memo = PyTuple_GET_ITEM(rest, 1),
             *quantity = PyTuple_GET_ITEM(rest, 2), *sign = PyTuple_GET_ITEM(rest, 3);
    /* The attributes in field order, as the dataclass's own __init__ sets them (object.__setattr__). */
    row = PyBaseObject_Type.tp_new((PyTypeObject *)g_row_type, g_empty_tuple, NULL);
    if (row == NULL)
        goto done;
    {
        PyObject *field_values[N_ROW_KEYS] = {account, amount, objects, day, memo, quantity, sign, k_trans, line_obj};
        for (int f = 0; f < N_ROW_KEYS; f++)
            if (PyObject_GenericSetAttr(row, PyTuple_GET_ITEM(g_row_keys, f), field_values[f]) < 0)
                goto done;
    }
    if (PyList_Append(rows, row) < 0)
        goto done;
    Coef coef = 0;
    int scale = 0;
    int exact = c->exact_sums == 1 && amount_coef(c, amt_s, amt_e, &coef, &scale);
    if (sum_add(total, amount, exact, coef, scale) < 0)
        goto done;
    if (CH(c, amt_s) != '-' && sum_add(debit, amount, exact, coef, scale) < 0)
        goto done;
    result = lf + 1;
done:
    Py_XDECREF(rest);
    Py_XDECREF(objects);
    Py_XDECREF(account);
    Py_XDECREF(amount);
    Py_XDECREF(line_obj);
    Py_XDECREF(row);
    return result;
}

/* A voucher block at pos (label at `label`, after '#'); as bulk._voucher_block for a block that opens
 * and closes cleanly. Returns the position after the block, 0 to decline it, -1 on error. */
static Py_ssize_t take_voucher(Ctx *c, Py_ssize_t pos, Py_ssize_t label)
{
    if (c->state_open || !at(c, label, "VER"))
        return 0;
    /* #VER series number date [text [reg_date [sign]]] */
    Py_ssize_t fs[MAX_VER_FIELDS], fe[MAX_VER_FIELDS];
    int nf = 0;
    Py_ssize_t i = label + 3, line_end;
    for (;;) {
        Py_ssize_t j = skip_blank(c, i);
        if (j >= c->end)
            return 0;
        if (CH(c, j) == '\n') {
            if (nf < 3)
                return 0;
            line_end = j;
            break;
        }
        if (j == i || nf == MAX_VER_FIELDS)
            return 0;
        Py_ssize_t e = field_end(c, j);
        if (e < 0 || e >= c->end)
            return 0;
        Py_UCS4 next = CH(c, e);
        if (!is_blank(next) && next != '\n')
            return 0;
        fs[nf] = j;
        fe[nf] = e;
        nf++;
        i = e;
    }
    /* "{" */
    Py_ssize_t open = line_end + 1;
    i = skip_blank(c, open);
    if (i >= c->end || CH(c, i) != '{')
        return 0;
    i = skip_blank(c, i + 1);
    if (i >= c->end || CH(c, i) != '\n')
        return 0;
    Py_ssize_t rows_start = i + 1;

    long long first = c->lineno + 1;
    Py_ssize_t result = -1;
    Sum total = {NULL, 0, 0}, debit = {NULL, 0, 0};
    PyObject *day = NULL, *reg = NULL, *rows = NULL, *series = NULL, *number = NULL, *vtext = NULL, *sign = NULL,
             *voucher = NULL, *extra[3] = {NULL, NULL, NULL}, *first_obj = NULL, *last_obj = NULL;

    int quoted = fe[2] - fs[2] >= 2 && CH(c, fs[2]) == '"';
    day = span_lookup(&cache_dates, c, fs[2] + quoted, fe[2] - quoted, g_dates, g_parse_date);
    if (day == NULL)
        goto done;
    if (day == Py_None) {
        result = 0;
        goto done;
    }
    /* an absent registration date is looked up as "", as bulk.py does with the empty group */
    reg = nf > 4 ? span_lookup(&cache_field_dates, c, fs[4], fe[4], g_field_dates, g_field_date)
                 : span_lookup(&cache_field_dates, c, fs[2], fs[2], g_field_dates, g_field_date);
    if (reg == NULL)
        goto done;
    if (reg == g_bad) {
        result = 0;
        goto done;
    }

    if (c->exact_sums < 0 && (c->exact_sums = context_keeps_sums_exact()) < 0)
        goto done;
    rows = PyList_New(0);
    if (rows == NULL)
        goto done;
    Py_ssize_t line_pos = rows_start;
    long long line = first + 2;
    for (;;) {
        Py_ssize_t s = skip_blank(c, line_pos);
        if (s >= c->end) {
            result = 0;
            goto done;
        }
        if (CH(c, s) == '}') { /* the closing line */
            Py_ssize_t e = skip_blank(c, s + 1);
            if (e >= c->end || CH(c, e) != '\n' || PyList_GET_SIZE(rows) == 0) {
                result = 0;
                goto done;
            }
            line_pos = e + 1;
            break;
        }
        if ((long long)PyList_GET_SIZE(rows) >= c->max_rows) {
            result = 0;
            goto done;
        }
        Py_ssize_t next = take_row(c, line_pos, line, rows, &total, &debit);
        if (next <= 0) {
            result = next;
            goto done;
        }
        line_pos = next;
        line++;
    }
    long long last = line; /* the line of "}" */

    series = unquoted(c, fs[0], fe[0]);
    number = series ? unquoted(c, fs[1], fe[1]) : NULL;
    vtext = number && nf > 3 ? unquoted(c, fs[3], fe[3]) : NULL;
    sign = number && nf > 5 ? unquoted(c, fs[5], fe[5]) : NULL;
    first_obj = PyLong_FromLongLong(first);
    last_obj = PyLong_FromLongLong(last);
    for (int k = 0; k < 3; k++)
        extra[k] = PyList_New(0);
    if (number == NULL || (nf > 3 && vtext == NULL) || (nf > 5 && sign == NULL) || first_obj == NULL
            || last_obj == NULL || extra[0] == NULL || extra[1] == NULL || extra[2] == NULL)
        goto done;
    PyObject *items[N_VOUCHER_KEYS] = {
        series, number, day,
        vtext != NULL && PyUnicode_GET_LENGTH(vtext) ? vtext : Py_None, reg,
        sign != NULL && PyUnicode_GET_LENGTH(sign) ? sign : Py_None,
        rows, extra[0], extra[1], first_obj, last_obj, extra[2]};
    /* The attributes in field order, as the dataclass's __init__ sets them. */
    voucher = PyBaseObject_Type.tp_new((PyTypeObject *)g_voucher_type, g_empty_tuple, NULL);
    if (voucher == NULL)
        goto done;
    for (int k = 0; k < N_VOUCHER_KEYS; k++)
        if (PyObject_GenericSetAttr(voucher, PyTuple_GET_ITEM(g_voucher_keys, k), items[k]) < 0)
            goto done;

    /* Taken: the parser's state as bulk._voucher_block leaves it, then Parser._accept. */
    c->took = 1;
    c->took_voucher = 1;
    c->lineno = last;
    sum_clear(c->last_total);
    sum_clear(c->last_debit);
    *c->last_total = total; /* the Sums move: their Decimals now belong to the context */
    *c->last_debit = debit;
    total.dec = debit.dec = NULL;
    c->have_last = 1;
    if (c->crc_on) {
        /* Without a backslash the block's quotes pair up line by line (its fields and tails were read
         * without flags), so it hashes as part of a longer span; with one, bulk._crc reads it line by line
         * with the tokenizer, and so it is hashed on its own, as bulk._voucher_block does. */
        if (has_backslash(c, pos, line_pos)) {
            if (flush_crc(c) < 0)
                goto done;
            PyObject *r = PyObject_CallFunction(g_crc, "OOnn", c->p, c->text, pos, line_pos);
            if (r == NULL)
                goto done;
            Py_DECREF(r);
        } else if (mark_taken(c, pos, line_pos) < 0) {
            goto done;
        }
    }
    int unbalanced = !sum_is_zero(c->last_total);
    if (PyErr_Occurred())
        goto done;
    if (unbalanced) { /* the finding and its diagnostic are made in Python */
        if (flush(c) < 0)
            goto done;
        PyObject *r = PyObject_CallMethodOneArg(c->p, s_accept, voucher);
        if (r == NULL)
            goto done;
        Py_DECREF(r);
    } else {
        if (!c->have_debit_total) {
            if (debit_total_sum(c, c->debit_total) < 0)
                goto done;
            c->have_debit_total = 1;
        }
        if (sum_add_sum(c->debit_total, c->last_debit) < 0)
            goto done;
        c->n_vouchers += 1;
        c->n_rows += PyList_GET_SIZE(rows);
        if (PyList_Append(c->ready, voucher) < 0)
            goto done;
    }
    result = line_pos;
done:
    Py_XDECREF(day);
    Py_XDECREF(reg);
    Py_XDECREF(rows);
    Py_XDECREF(total.dec);
    Py_XDECREF(debit.dec);
    Py_XDECREF(series);
    Py_XDECREF(number);
    Py_XDECREF(vtext);
    Py_XDECREF(sign);
    Py_XDECREF(voucher);
    for (int k = 0; k < 3; k++)
        Py_XDECREF(extra[k]);
    Py_XDECREF(first_obj);
    Py_XDECREF(last_obj);
    return result;
}

/* ---- the entry points ------------------------------------------------------------------------------- */

static long long attr_long(PyObject *obj, PyObject *name, int *error)
{
    PyObject *v = PyObject_GetAttr(obj, name);
    if (v == NULL) {
        *error = 1;
        return 0;
    }
    long long n = PyLong_AsLongLong(v);
    Py_DECREF(v);
    if (n == -1 && PyErr_Occurred())
        *error = 1;
    return n;
}

static int attr_true(PyObject *obj, PyObject *name)
{
    PyObject *v = PyObject_GetAttr(obj, name);
    if (v == NULL)
        return -1;
    int t = PyObject_IsTrue(v);
    Py_DECREF(v);
    return t;
}

static PyObject *take(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (g_row_type == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "_speedups.configure() was not called");
        return NULL;
    }
    if (nargs != 4 || !PyUnicode_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "take(parser, text: str, pos: int, end: int)");
        return NULL;
    }
    Py_ssize_t pos = PyLong_AsSsize_t(args[2]), end = PyLong_AsSsize_t(args[3]);
    if ((pos == -1 || end == -1) && PyErr_Occurred())
        return NULL;
    Ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    Ctx *c = &ctx;
    c->p = args[0];
    c->text = args[1];
    c->kind = PyUnicode_KIND(c->text);
    c->data = PyUnicode_DATA(c->text);
    c->end = end < PyUnicode_GET_LENGTH(c->text) ? end : PyUnicode_GET_LENGTH(c->text);
    c->crc_from = c->crc_to = -1;
    Sum debit_total = {NULL, 0, 0}, last_total = {NULL, 0, 0}, last_debit = {NULL, 0, 0};
    c->debit_total = &debit_total;
    c->last_total = &last_total;
    c->last_debit = &last_debit;
    c->exact_sums = -1;
    if (pos < 0 || pos >= c->end)
        return PyLong_FromSsize_t(pos);

    int error = 0;
    int closed = attr_true(c->p, s_ksumma_closed);
    int state = closed ? 0 : attr_true(c->p, s_state);
    if (closed < 0 || state < 0)
        return NULL;
    if (closed) /* items after the closing #KSUMMA: the line-by-line parser reports them */
        return PyLong_FromSsize_t(pos);
    c->state_open = state;
    PyObject *crc = PyObject_GetAttr(c->p, s_crc);
    if (crc == NULL)
        return NULL;
    c->crc_on = crc != Py_None;
    Py_DECREF(crc);
    c->lineno = c->flushed_lineno = attr_long(c->p, s_lineno, &error);
    PyObject *limits = error ? NULL : PyObject_GetAttr(c->p, s_limits);
    if (limits == NULL)
        return NULL;
    c->max_rows = attr_long(limits, s_max_voucher_rows, &error);
    Py_DECREF(limits);
    if (error)
        return NULL;
    c->doc = PyObject_GetAttr(c->p, s_doc);
    c->ready = c->doc ? PyObject_GetAttr(c->p, s_ready) : NULL;
    if (c->ready == NULL || !PyList_CheckExact(c->ready)) {
        Py_XDECREF(c->doc);
        Py_XDECREF(c->ready);
        if (PyErr_Occurred())
            return NULL;
        return PyLong_FromSsize_t(pos);
    }

    int failed = 0;
    while (pos < c->end) {
        Py_ssize_t label = skip_blank(c, pos);
        if (label < c->end && Py_UNICODE_ISSPACE(CH(c, label))) { /* maybe a blank line: it only counts */
            Py_ssize_t lf = find_lf(c, label);
            Py_ssize_t k = label;
            while (k < lf && Py_UNICODE_ISSPACE(CH(c, k)))
                k++;
            if (lf >= 0 && k == lf) {
                c->lineno += 1;
                pos = lf + 1;
                continue;
            }
        }
        if (label + 1 >= c->end || CH(c, label) != '#')
            break;
        label += 1;
        Py_UCS4 first = CH(c, label);
        Py_ssize_t next;
        if (first == 'V')
            next = take_voucher(c, pos, label);
        else if (first == 'K' || first == 'S')
            next = take_chart(c, pos, label);
        else if (first == 'I' || first == 'U' || first == 'R' || first == 'O' || first == 'P')
            next = take_balance(c, pos, label);
        else
            break;
        if (next < 0) {
            failed = 1;
            break;
        }
        if (next == 0)
            break;
        pos = next;
    }
    if (failed) {
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        flush(c);
        PyErr_Restore(type, value, tb);
    } else if (flush(c) < 0) {
        failed = 1;
    }
    sum_clear(&debit_total);
    sum_clear(&last_total);
    sum_clear(&last_debit);
    Py_XDECREF(c->accounts);
    Py_XDECREF(c->raw_balances);
    Py_DECREF(c->ready);
    Py_DECREF(c->doc);
    return failed ? NULL : PyLong_FromSsize_t(pos);
}

static int intern_all(void)
{
#define INTERN(var, s) if (((var) = PyUnicode_InternFromString(s)) == NULL) return -1
    INTERN(s_state, "state"); INTERN(s_crc, "crc"); INTERN(s_limits, "limits");
    INTERN(s_max_voucher_rows, "max_voucher_rows"); INTERN(s_doc, "doc"); INTERN(s_ready, "ready");
    INTERN(s_vsum, "vsum"); INTERN(s_vdebit, "vdebit"); INTERN(s_lineno, "lineno");
    INTERN(s_any_voucher, "any_voucher"); INTERN(s_seen_label, "seen_label"); INTERN(s_accounts, "accounts");
    INTERN(s_raw_balances, "raw_balances"); INTERN(s_has_balances, "has_balances");
    INTERN(s_voucher_count, "voucher_count"); INTERN(s_transaction_count, "transaction_count");
    INTERN(s_debit_total, "debit_total"); INTERN(s_accept, "_accept"); INTERN(s_name, "name");
    INTERN(s_line, "line"); INTERN(s_sru, "sru"); INTERN(s_type, "type"); INTERN(s_ksumma_closed, "ksumma_closed"); INTERN(s_raw_text, "raw_text");
    INTERN(k_trans, "TRANS");
#undef INTERN
    for (int k = 0; k < 7; k++)
        if ((s_kinds[k] = PyUnicode_InternFromString(kind_names[k])) == NULL)
            return -1;
    return 0;
}

static PyObject *configure(PyObject *module, PyObject *args)
{
    PyObject *o[20];
    if (!PyArg_ParseTuple(args, "OOOOO!O!O!OO!OO!OO!OOO!OOO!O:configure", &o[0], &o[1], &o[2], &o[3],
                          &PyTuple_Type, &o[4], &PyTuple_Type, &o[5], &PyDict_Type, &o[6], &o[7],
                          &PyDict_Type, &o[8], &o[9], &PyDict_Type, &o[10], &o[11], &PyDict_Type, &o[12],
                          &o[13], &o[14], &PyDict_Type, &o[15], &o[16], &o[17], &PyTuple_Type, &o[18], &o[19]))
        return NULL;
    if (!PyType_Check(o[1]) || !PyType_Check(o[2]) || PyTuple_GET_SIZE(o[4]) != N_ROW_KEYS
            || !PyType_Check(o[3]) || PyTuple_GET_SIZE(o[5]) != N_VOUCHER_KEYS
            || PyTuple_GET_SIZE(o[18]) != N_ACCOUNT_KEYS) {
        PyErr_SetString(PyExc_TypeError, "configure: the model types and their field names (9, 12 and 6)");
        return NULL;
    }
    PyObject **slots[20] = {&g_decimal, &g_row_type, &g_voucher_type, &g_account_type, &g_row_keys,
                            &g_voucher_keys, &g_dates, &g_parse_date, &g_field_dates, &g_field_date,
                            &g_object_lists, &g_object_list, &g_tails, &g_tail, &g_bad, &g_years, &g_crc,
                            &g_zero, &g_account_keys, &g_crc_text};
    for (int k = 0; k < 20; k++)
        Py_XSETREF(*slots[k], Py_NewRef(o[k]));
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"configure", configure, METH_VARARGS,
     "configure(Decimal, SieTransaction, SieVoucher, SieAccount, row_fields, voucher_fields, dates, "
     "parse_date, field_dates, field_date, object_lists, object_list, tails, tail, bad, years, crc, zero, "
     "account_fields, crc_text)"},
    {"take", (PyCFunction)(void (*)(void))take, METH_FASTCALL,
     "take(parser, text, pos, end) -> the position of the first line not taken"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_speedups",
    "C accelerator for the SIE reader's bulk paths (pipeline/sie/bulk.py).", -1, methods,
};

PyMODINIT_FUNC PyInit__speedups(void)
{
    if (intern_all() < 0)
        return NULL;
    g_empty_tuple = PyTuple_New(0);
    pow10_table[0] = 1;
    for (int k = 1; EXACT_SUMS && k <= SUM_LIMIT_DIGITS; k++) /* 10**27 needs the 128-bit integer */
        pow10_table[k] = pow10_table[k - 1] * 10;
    PyObject *decimal = PyImport_ImportModule("decimal");
    if (decimal == NULL)
        return NULL;
    g_getcontext = PyObject_GetAttrString(decimal, "getcontext");
    g_round_floor = PyObject_GetAttrString(decimal, "ROUND_FLOOR");
    Py_DECREF(decimal);
    if (g_getcontext == NULL || g_round_floor == NULL)
        return NULL;
    if (g_empty_tuple == NULL)
        return NULL;
    return PyModule_Create(&module_def);
}
