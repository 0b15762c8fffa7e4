/* The contamination scan's per-record pass, compiled: optional (the package works without it).
 *
 * Python cannot touch each word of a training file at the speed orjson parses it; this pass does,
 * for ASCII text. It splits a record's question and answer into the matcher's words (maximal
 * runs of [A-Za-z0-9_], lower-cased: what `normalize.words` gives for ASCII), hashes them, and
 * looks up the matcher's own keys in open-addressing tables that `prefilter.py` builds: whole
 * questions (exact matches), n-grams, and the pre-test's near-duplicate pairs and triples. It
 * only has to flag a SUPERSET of the records the matcher reports: what it flags goes to the
 * matcher, so a hash collision costs time, never a finding. What it does not read (non-ASCII
 * text, numbers, mappings) it flags too, and Python reads it (NFKC and case folding stay there).
 *
 * Input is hostile (any training file): every index is masked or bounds-checked, no buffer is
 * written beyond a fixed array whose bound is checked, and tables are checked when bound.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define HELD_MAX 64 /* words kept of a question of a near-duplicate length */
#define RING 128     /* the longest n-gram followed word by word; longer ones flag every text */
#define SEQUENCE_SEED UINT64_C(0x84222325cbf29ce4)
#define SEQUENCE_STEP UINT64_C(0xa0761d6478bd642f)
#define GRAM_BASE UINT64_C(0x9fb21c651e98df25)

static uint64_t mix(uint64_t h)
{
    h ^= h >> 30;
    h *= UINT64_C(0xbf58476d1ce4e5b9);
    h ^= h >> 27;
    h *= UINT64_C(0x94d049bb133111eb);
    h ^= h >> 31;
    return h ? h : 1; /* 0 marks an empty slot */
}

/* Words' hashes are mixed already: one multiply combines two of them. */
static uint64_t nonzero(uint64_t h)
{
    return h ? h : 1;
}

static uint64_t unordered(uint64_t a, uint64_t b)
{
    uint64_t low = a < b ? a : b, high = a < b ? b : a;
    return nonzero(low * UINT64_C(0xc2b2ae3d27d4eb4f) + high);
}

static uint64_t triple(uint64_t pair, uint64_t third)
{
    return nonzero(pair * UINT64_C(0xd6e8feb86659fd93) + third);
}

/* The bytes of ASCII text by what they are to the matcher: 1 a byte of a word (letters, digits,
 * the underscore), 2 the NUL that ends every str's data (and may sit inside it), 0 a separator. */
static unsigned char byte_kind[256];

static void init_byte_kinds(void)
{
    int c;
    for (c = 0; c < 256; c++)
        byte_kind[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                       || c == '_';
    byte_kind[0] = 2;
}

/* A word's hash is taken as its bytes go by, eight at a time. OR-ing 0x20 into a byte lower-cases
 * a letter and leaves a digit as it is; it makes the underscore 0x7f, which no word holds. */
#define WORD_SEED UINT64_C(0xcbf29ce484222325)

static uint64_t absorb(uint64_t h, uint64_t chunk)
{
    h = (h ^ chunk) * UINT64_C(0xff51afd7ed558ccd);
    return h ^ (h >> 32);
}

static uint64_t finish(uint64_t h, uint64_t chunk, uint64_t length)
{
    return mix(h ^ chunk ^ (length * UINT64_C(0x9e3779b97f4a7c15)));
}

static uint64_t word_hash(const unsigned char *p, Py_ssize_t n)
{
    uint64_t h = WORD_SEED, chunk = 0;
    Py_ssize_t i;
    for (i = 0; i < n; i++) {
        chunk = (chunk << 8) | (uint64_t)(p[i] | 0x20);
        if ((i & 7) == 7) {
            h = absorb(h, chunk);
            chunk = 0;
        }
    }
    return finish(h, chunk, (uint64_t)n);
}

/* A table as prefilter._table lays it out, in 8-byte words: the number of bitmap words (a power
 * of two, or 0), the bitmap (one bit per hash, set for the hashes held, most hashes looked up are
 * not: the bitmap answers them from the CPU's nearest cache), then the slots (a power of two,
 * open addressing with linear probing, 0 for empty). */
typedef struct {
    const uint64_t *bits, *slots;
    uint64_t bit_mask, mask;
    int present;
} Table;

static int power_of_two(uint64_t n)
{
    return n > 0 && (n & (n - 1)) == 0;
}

static int table_of(Py_buffer *view, Table *table, const char *name)
{
    const uint64_t *words = (const uint64_t *)view->buf;
    uint64_t count = (uint64_t)view->len / sizeof(uint64_t), bit_words, slots;
    table->present = 0;
    if (view->len == 0)
        return 0;
    if ((uint64_t)view->len % sizeof(uint64_t) != 0 || count < 1
        || (uintptr_t)view->buf % sizeof(uint64_t) != 0)
        goto bad;
    bit_words = words[0];
    if (!power_of_two(bit_words) || bit_words > count - 1)
        goto bad;
    slots = count - 1 - bit_words;
    if (!power_of_two(slots))
        goto bad;
    table->bits = words + 1;
    table->bit_mask = bit_words * 64 - 1;
    table->slots = words + 1 + bit_words;
    table->mask = slots - 1;
    table->present = 1;
    return 0;
bad:
    PyErr_Format(PyExc_ValueError, "%s: not a table of prefilter._table's layout", name);
    return -1;
}

static int probe(const Table *table, uint64_t h)
{
    uint64_t at, probes;
    at = h & table->mask;
    for (probes = 0; probes <= table->mask; probes++) {
        uint64_t slot = table->slots[at];
        if (slot == h)
            return 1;
        if (slot == 0)
            return 0;
        at = (at + 1) & table->mask;
    }
    return 0;
}

/* Most hashes looked up are not held: the bitmap says so from the nearest cache. */
static inline int has(const Table *table, uint64_t h)
{
    uint64_t bit;
    if (!table->present)
        return 0;
    bit = (h >> 32) & table->bit_mask;
    if (!(table->bits[bit >> 6] >> (bit & 63) & 1))
        return 0;
    return probe(table, h);
}

typedef struct {
    Table exact, grams, near_words, near_pairs, near_third, near_triples, single;
    Py_ssize_t min_words, n, short_low, short_high;
    uint64_t base_n; /* GRAM_BASE to the n-th power: what the word leaving a window weighed */
} Tables;

/* A whole question, word by word (an empty one too). */
static uint64_t sequence_step(uint64_t sequence, uint64_t word)
{
    return sequence * SEQUENCE_STEP + word;
}

/* The n words of a window, w1 * B^(n-1) + ... + wn: the next window's is this one times B,
 * plus the new word, minus the old word times B^n. */
static uint64_t power(uint64_t base, Py_ssize_t n)
{
    uint64_t result = 1;
    while (n-- > 0)
        result *= base;
    return result;
}

/* The next word of an ASCII str's data from *at, hashed as word_hash hashes it (the same bytes,
 * the same hash, taken as they go by); 0 at the end of the data, *end being its NUL. Both the
 * scan and words() read words here, so the tests hold the scan's own reading against Python. */
static inline int next_word(const unsigned char **cursor, const unsigned char *end, uint64_t *word)
{
    const unsigned char *at = *cursor, *start;
    uint64_t h = WORD_SEED, chunk = 0;
    for (;;) {
        while (byte_kind[*at] == 0)
            at++;
        if (byte_kind[*at] != 2)
            break;
        if (at >= end) {
            *cursor = at;
            return 0;
        }
        at++; /* a NUL inside the text separates words too */
    }
    start = at;
    do {
        chunk = (chunk << 8) | (uint64_t)(*at | 0x20);
        at++;
        if (((at - start) & 7) == 0) {
            h = absorb(h, chunk);
            chunk = 0;
        }
    } while (byte_kind[*at] == 1);
    *cursor = at;
    *word = finish(h, chunk, (uint64_t)(at - start));
    return 1;
}

/* The words of one field as they go by: a str, or the str items of a list (`text_of` joins
 * them with a newline, which separates words and nothing else). */
typedef struct {
    Py_ssize_t words;
    uint64_t sequence, gram;
    uint64_t ring[RING];     /* the last words, for the n-gram leaving the window */
    uint64_t all[HELD_MAX];  /* a question's words, for the near-duplicate test at its end */
} Text;

/* 1 when the words so far could match: one of the text's n-word windows is an evaluation
 * text's (n-gram), or a word is one a near duplicate may share alone. */
static int text_feed(const Tables *t, Text *text, const unsigned char *p, Py_ssize_t n,
                     int question)
{
    Py_ssize_t words = text->words;
    uint64_t sequence = text->sequence, gram = text->gram;
    const unsigned char *at = p, *end = p + n; /* *end is the str's terminating NUL */
    int found = 0;
    uint64_t w;
    while (next_word(&at, end, &w)) {
        if (t->grams.present) {
            if (t->n > RING) {
                if (words + 1 >= t->n) {
                    found = 1;
                    break;
                }
            } else {
                gram = gram * GRAM_BASE + w;
                if (words >= t->n)
                    gram -= text->ring[(words - t->n) & (RING - 1)] * t->base_n;
                text->ring[words & (RING - 1)] = w;
                if (words + 1 >= t->n && has(&t->grams, nonzero(gram))) {
                    found = 1;
                    break;
                }
            }
        }
        if (question) {
            sequence = sequence_step(sequence, w);
            if (has(&t->single, w)) {
                found = 1;
                break;
            }
            if (words < HELD_MAX)
                text->all[words] = w;
        }
        words++;
    }
    text->words = words;
    text->sequence = sequence;
    text->gram = gram;
    return found;
}

/* 1 when a question's whole word sequence is an evaluation question's (exact), or it passes the
 * pre-test of near duplicates (two, or three, of an item's rarest words). */
static int question_end(const Tables *t, Text *text)
{
    uint64_t held[HELD_MAX];
    int all_count, held_count = 0, i, j, k;
    Py_ssize_t words = text->words;
    if (words >= t->min_words && has(&t->exact, nonzero(text->sequence)))
        return 1;
    if (words < t->short_low || words >= t->short_high)
        return 0;
    if (words > HELD_MAX)
        return 1; /* a near-duplicate length beyond what is kept: the matcher decides */
    all_count = (int)words;
    for (i = 0; i < all_count; i++)
        if (has(&t->near_words, text->all[i])) {
            int seen = 0;
            for (j = 0; j < held_count; j++)
                seen |= held[j] == text->all[i];
            if (!seen)
                held[held_count++] = text->all[i]; /* held_count <= all_count <= HELD_MAX */
        }
    for (i = 0; i < held_count; i++)
        for (j = i + 1; j < held_count; j++) {
            uint64_t pair = unordered(held[i], held[j]);
            if (has(&t->near_pairs, pair))
                return 1;
            if (has(&t->near_third, pair))
                for (k = 0; k < all_count; k++)
                    if (has(&t->near_triples, triple(pair, text->all[k])))
                        return 1;
        }
    return 0;
}

/* A str this pass reads: ASCII (its data is followed by a NUL, which text_feed reads as its
 * end). Anything else is left to Python, which folds Unicode as the matcher does. */
static int feed_str(const Tables *t, Text *text, PyObject *value, int question)
{
    if (!PyUnicode_Check(value) || !PyUnicode_IS_ASCII(value))
        return 2;
    return text_feed(t, text, (const unsigned char *)PyUnicode_DATA(value),
                     PyUnicode_GET_LENGTH(value), question);
}

/* 0: the field cannot match; 1: it could; 2: it is not one this pass reads (a number, a dict,
 * text that is not ASCII...), the pre-test in Python decides. NULL and None are no text. */
static int field_flags(const Tables *t, PyObject *value, int question)
{
    Text text;
    Py_ssize_t i;
    int found = 0;
    text.words = 0;
    text.sequence = SEQUENCE_SEED;
    text.gram = 0;
    if (value != NULL && value != Py_None) {
        if (PyList_Check(value)) {
            for (i = 0; !found && i < PyList_GET_SIZE(value); i++)
                found = feed_str(t, &text, PyList_GET_ITEM(value, i), question);
        } else {
            found = feed_str(t, &text, value, question);
        }
    }
    if (found || !question)
        return found;
    return question_end(t, &text);
}

/* Nonzero when the record must go on: to the matcher (1), or first to the pre-test in Python
 * (2). A missing field is no text, as the record profiles read it. */
static int record_flags(const Tables *t, PyObject *question, PyObject *answer)
{
    int found = field_flags(t, question, 1);
    return found ? found : field_flags(t, answer, 0);
}

/* The question and answer of one item (new references, or NULL where there is none): a
 * (question, answer) tuple, or a record (a dict) read at two keys; -1 on an error, 1 when the
 * item is neither. */
static int fields_of(PyObject *item, PyObject *question_key, PyObject *answer_key,
                     PyObject **question, PyObject **answer)
{
    *question = *answer = NULL;
    if (question_key == Py_None) {
        if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 2)
            return 1;
        *question = PyTuple_GET_ITEM(item, 0);
        *answer = PyTuple_GET_ITEM(item, 1);
        Py_INCREF(*question);
        Py_INCREF(*answer);
        return 0;
    }
    if (!PyDict_Check(item))
        return 1;
    *question = PyDict_GetItemWithError(item, question_key);
    if (*question == NULL && PyErr_Occurred())
        return -1;
    Py_XINCREF(*question);
    if (answer_key == Py_None)
        return 0;
    *answer = PyDict_GetItemWithError(item, answer_key);
    if (*answer == NULL && PyErr_Occurred()) {
        Py_CLEAR(*question);
        return -1;
    }
    Py_XINCREF(*answer);
    return 0;
}

/* A pre-test's tables and the keys it reads records at, bound once: `flags(record)` is called
 * once a line of a training file, so it takes one argument and parses nothing. */
typedef struct {
    PyObject_HEAD
    Py_buffer views[7];
    int got;
    Tables tables;
    PyObject *question_key, *answer_key; /* str, or None */
} PassObject;

static void pass_dealloc(PassObject *self)
{
    int i;
    for (i = 0; i < self->got; i++)
        PyBuffer_Release(&self->views[i]);
    Py_XDECREF(self->question_key);
    Py_XDECREF(self->answer_key);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int pass_item(PassObject *self, PyObject *item)
{
    PyObject *question, *answer;
    int flagged;
    Py_INCREF(item);
    flagged = fields_of(item, self->question_key, self->answer_key, &question, &answer);
    if (flagged < 0) {
        Py_DECREF(item);
        return -1;
    }
    if (flagged == 1)
        flagged = 2; /* neither a record nor a pair: Python reads it */
    else
        flagged = record_flags(&self->tables, question, answer);
    Py_XDECREF(question);
    Py_XDECREF(answer);
    Py_DECREF(item);
    return flagged;
}

static PyObject *pass_flags(PassObject *self, PyObject *item)
{
    int flagged = pass_item(self, item);
    if (flagged < 0)
        return NULL;
    return PyBool_FromLong(flagged);
}

static PyObject *pass_flagged(PassObject *self, PyObject *items)
{
    PyObject *result;
    Py_ssize_t i;
    if (!PyList_Check(items)) {
        PyErr_SetString(PyExc_TypeError, "flagged() takes a list");
        return NULL;
    }
    result = PyList_New(0);
    if (result == NULL)
        return NULL;
    /* The list's size is read again each time: a key's __eq__ could run Python code. */
    for (i = 0; i < PyList_GET_SIZE(items); i++) {
        int flagged = pass_item(self, PyList_GET_ITEM(items, i));
        if (flagged < 0)
            goto fail;
        if (flagged) {
            PyObject *index = PyLong_FromSsize_t(i);
            int appended;
            if (index == NULL)
                goto fail;
            appended = PyList_Append(result, index);
            Py_DECREF(index);
            if (appended < 0)
                goto fail;
        }
    }
    return result;
fail:
    Py_DECREF(result);
    return NULL;
}

static PyMethodDef pass_methods[] = {
    {"flags", (PyCFunction)pass_flags, METH_O,
     "flags(item) -> True when the pre-test must see this item (a superset of what it flags)"},
    {"flagged", (PyCFunction)pass_flagged, METH_O,
     "flagged(items) -> the indices of the items that flags() is True of"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject PassType = {
    .ob_base = PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "provenance.contamination._fastpass.Pass",
    .tp_basicsize = sizeof(PassObject),
    .tp_dealloc = (destructor)pass_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A pre-test's tables, bound (made by bind()).",
    .tp_methods = pass_methods,
};

static PyObject *bind(PyObject *module, PyObject *args)
{
    PassObject *self;
    Py_ssize_t min_words, n, short_low, short_high;
    PyObject *question_key, *answer_key;
    (void)module;
    self = PyObject_New(PassObject, &PassType);
    if (self == NULL)
        return NULL;
    self->got = 0;
    self->question_key = self->answer_key = NULL;
    memset(self->views, 0, sizeof(self->views));
    if (!PyArg_ParseTuple(args, "y*y*y*y*y*y*y*nnnnOO:bind", &self->views[0], &self->views[1],
                          &self->views[2], &self->views[3], &self->views[4], &self->views[5],
                          &self->views[6], &min_words, &n, &short_low, &short_high,
                          &question_key, &answer_key))
        goto fail;
    self->got = 7;
    if ((question_key != Py_None && !PyUnicode_Check(question_key))
        || (answer_key != Py_None && !PyUnicode_Check(answer_key))) {
        PyErr_SetString(PyExc_TypeError, "the keys are str or None");
        goto fail;
    }
    if (n < 1) {
        PyErr_SetString(PyExc_ValueError, "n-grams of at least one word");
        goto fail;
    }
    Py_INCREF(question_key);
    Py_INCREF(answer_key);
    self->question_key = question_key;
    self->answer_key = answer_key;
    if (table_of(&self->views[0], &self->tables.exact, "exact")
        || table_of(&self->views[1], &self->tables.grams, "grams")
        || table_of(&self->views[2], &self->tables.near_words, "near_words")
        || table_of(&self->views[3], &self->tables.near_pairs, "near_pairs")
        || table_of(&self->views[4], &self->tables.near_third, "near_third")
        || table_of(&self->views[5], &self->tables.near_triples, "near_triples")
        || table_of(&self->views[6], &self->tables.single, "single"))
        goto fail;
    self->tables.min_words = min_words;
    self->tables.n = n;
    self->tables.base_n = power(GRAM_BASE, n);
    self->tables.short_low = short_low;
    self->tables.short_high = short_high;
    return (PyObject *)self;
fail:
    Py_DECREF(self);
    return NULL;
}

/* The hashes of a list of word hashes, as text_flags takes them: 0 for a malformed list. */
static int hashes_of(PyObject *list, uint64_t **out, Py_ssize_t *count)
{
    Py_ssize_t i;
    if (!PyList_Check(list)) {
        PyErr_SetString(PyExc_TypeError, "a list of word hashes");
        return -1;
    }
    *count = PyList_GET_SIZE(list);
    *out = PyMem_New(uint64_t, *count > 0 ? *count : 1);
    if (*out == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (i = 0; i < *count; i++) {
        unsigned long long value = PyLong_AsUnsignedLongLong(PyList_GET_ITEM(list, i));
        if (value == (unsigned long long)-1 && PyErr_Occurred()) {
            PyMem_Free(*out);
            return -1;
        }
        (*out)[i] = value;
    }
    return 0;
}

static PyObject *py_sequence(PyObject *module, PyObject *list)
{
    uint64_t *words, sequence = SEQUENCE_SEED;
    Py_ssize_t count, i;
    (void)module;
    if (hashes_of(list, &words, &count) < 0)
        return NULL;
    for (i = 0; i < count; i++)
        sequence = sequence_step(sequence, words[i]);
    PyMem_Free(words);
    return PyLong_FromUnsignedLongLong(nonzero(sequence));
}

static PyObject *py_grams(PyObject *module, PyObject *args)
{
    PyObject *list, *result;
    uint64_t *words, gram = 0, base_n;
    Py_ssize_t count, n, i;
    (void)module;
    if (!PyArg_ParseTuple(args, "On:grams", &list, &n))
        return NULL;
    if (n < 1) {
        PyErr_SetString(PyExc_ValueError, "n-grams of at least one word");
        return NULL;
    }
    if (hashes_of(list, &words, &count) < 0)
        return NULL;
    base_n = power(GRAM_BASE, n);
    result = PyList_New(0);
    for (i = 0; result != NULL && i < count; i++) {
        gram = gram * GRAM_BASE + words[i];
        if (i >= n)
            gram -= words[i - n] * base_n;
        if (i + 1 >= n) {
            PyObject *value = PyLong_FromUnsignedLongLong(nonzero(gram));
            if (value == NULL || PyList_Append(result, value) < 0)
                Py_CLEAR(result);
            Py_XDECREF(value);
        }
    }
    PyMem_Free(words);
    return result;
}

/* The word hashes of an ASCII text as text_flags takes them, for the tests to hold them against
 * normalize.words (None for other text, which text_flags never reads). */
static PyObject *py_words(PyObject *module, PyObject *text)
{
    const unsigned char *at, *end;
    uint64_t word;
    PyObject *result;
    (void)module;
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "words() takes a str");
        return NULL;
    }
    if (!PyUnicode_IS_ASCII(text))
        Py_RETURN_NONE;
    result = PyList_New(0);
    if (result == NULL)
        return NULL;
    at = (const unsigned char *)PyUnicode_DATA(text);
    end = at + PyUnicode_GET_LENGTH(text);
    while (next_word(&at, end, &word)) {
        PyObject *value = PyLong_FromUnsignedLongLong(word);
        if (value == NULL || PyList_Append(result, value) < 0) {
            Py_XDECREF(value);
            Py_DECREF(result);
            return NULL;
        }
        Py_DECREF(value);
    }
    return result;
}

static PyObject *py_word(PyObject *module, PyObject *arg)
{
    char *data;
    Py_ssize_t size;
    (void)module;
    if (PyBytes_AsStringAndSize(arg, &data, &size) < 0)
        return NULL;
    return PyLong_FromUnsignedLongLong(word_hash((const unsigned char *)data, size));
}

static int two_hashes(PyObject *args, uint64_t *a, uint64_t *b, const char *format)
{
    unsigned long long first, second;
    if (!PyArg_ParseTuple(args, format, &first, &second))
        return -1;
    *a = first;
    *b = second;
    return 0;
}

static PyObject *py_unordered(PyObject *module, PyObject *args)
{
    uint64_t a, b;
    (void)module;
    if (two_hashes(args, &a, &b, "KK:unordered") < 0)
        return NULL;
    return PyLong_FromUnsignedLongLong(unordered(a, b));
}

static PyObject *py_triple(PyObject *module, PyObject *args)
{
    uint64_t a, b;
    (void)module;
    if (two_hashes(args, &a, &b, "KK:triple") < 0)
        return NULL;
    return PyLong_FromUnsignedLongLong(triple(a, b));
}

static PyMethodDef methods[] = {
    {"bind", bind, METH_VARARGS,
     "bind(exact, grams, near_words, near_pairs, near_third, near_triples, single, min_words, "
     "n, short_low, short_high, question_key, answer_key) -> a Pass. Its items are "
     "(question, answer) tuples when question_key is None, else records read at the two keys "
     "(answer_key None: no answer)."},
    {"words", py_words, METH_O, "words(text) -> the word hashes of an ASCII text, else None"},
    {"word", py_word, METH_O, "word(bytes) -> the hash of one lower-case ASCII word"},
    {"sequence", py_sequence, METH_O, "sequence(word hashes) -> the hash of a whole question"},
    {"grams", py_grams, METH_VARARGS, "grams(word hashes, n) -> the hashes of the n-word windows"},
    {"unordered", py_unordered, METH_VARARGS, "unordered(a, b) -> the hash of two words, any order"},
    {"triple", py_triple, METH_VARARGS, "triple(pair, word) -> the hash of a pair and a third word"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_fastpass",
    "The contamination pre-test's per-record pass, compiled (optional).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__fastpass(void)
{
    PyObject *module;
    init_byte_kinds();
    if (PyType_Ready(&PassType) < 0)
        return NULL;
    module = PyModule_Create(&module_def);
    /* prefilter.EXTENSION_VERSION: raise both when the tables, hashes or words change. */
    if (module != NULL && PyModule_AddIntConstant(module, "VERSION", 1) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
