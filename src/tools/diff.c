/*
 * diff.c: unified diffs for edit observations and confirmation previews.
 *
 * Both texts are split into lines (a line keeps its '\n', so a missing final
 * newline differs).  The common head and tail are trimmed, which makes the
 * usual small edit of a large file cheap; the middle goes through Myers'
 * greedy O(ND) algorithm, keeping one snapshot of V per step for the
 * backtrack.  Past DIFF_MAXD steps (memory ~ D^2 ints) the middle is shown
 * as one block replacement.  The edit script becomes hunks with `context`
 * equal lines around each change; hunks closer than 2*context merge.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cade/buf.h"
#include "diff.h"
#include "cade/util.h"

#define DIFF_MAXD	1024

struct diff_line {
	const char	*p;
	size_t		 len;	/* with the '\n' if present */
	uint32_t	 hash;
};

enum { OP_EQ, OP_DEL, OP_INS };

struct diff_op {
	int	type;
	int	a;	/* old index (OP_EQ, OP_DEL) */
	int	b;	/* new index (OP_EQ, OP_INS) */
};

/* Split text into lines with FNV-1a hashes; returns the count. */
static int
diff_split(const char *s, size_t len, struct diff_line **out)
{
	/* Never NULL, even for no lines: callers offset into it. */
	struct diff_line *v = xreallocarray(NULL, 1, sizeof *v);
	size_t i, start = 0;
	int n = 0, cap = 1;

	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '\n')
			continue;
		if (i == len && start == len)
			break;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = xreallocarray(v, cap, sizeof *v);
		}
		v[n].p = s + start;
		v[n].len = (i < len ? i + 1 : i) - start;
		v[n].hash = 2166136261u;
		for (size_t j = 0; j < v[n].len; j++)
			v[n].hash = (v[n].hash ^ (unsigned char)v[n].p[j]) * 16777619u;
		n++;
		start = i + 1;
	}
	*out = v;
	return n;
}

/* Two lines are equal with their newline. */
static int
diff_eq(const struct diff_line *x, const struct diff_line *y)
{
	return x->hash == y->hash && x->len == y->len &&
	    memcmp(x->p, y->p, x->len) == 0;
}

/*
 * Mark deleted lines of a[0..n) in del[] and inserted lines of b[0..m) in
 * ins[].  0 on success, -1 if the distance exceeds DIFF_MAXD.
 */
static int
diff_myers(const struct diff_line *a, int n, const struct diff_line *b, int m,
    char *del, char *ins)
{
	int max = n + m, off = max + 1, d, k, x, y, found = -1;
	int *v = xcalloc((size_t)2 * max + 3, sizeof *v);
	int **trace = xcalloc(DIFF_MAXD + 1, sizeof *trace);
	int rc = -1;

	v[off + 1] = 0;
	for (d = 0; d <= max && d <= DIFF_MAXD; d++) {
		/* Snapshot v[-d-1 .. d+1] as left by step d-1. */
		trace[d] = xmalloc(((size_t)2 * d + 3) * sizeof **trace);
		memcpy(trace[d], v + off - d - 1, ((size_t)2 * d + 3) * sizeof *v);
		for (k = -d; k <= d; k += 2) {
			if (k == -d || (k != d && v[off + k - 1] < v[off + k + 1]))
				x = v[off + k + 1];
			else
				x = v[off + k - 1] + 1;
			y = x - k;
			while (x < n && y < m && diff_eq(&a[x], &b[y])) {
				x++;
				y++;
			}
			v[off + k] = x;
			if (x >= n && y >= m) {
				found = d;
				break;
			}
		}
		if (found >= 0)
			break;
	}
	if (found < 0)
		goto out;

	x = n;
	y = m;
	for (d = found; d >= 0; d--) {
		int *t = trace[d] + d + 1;	/* t[k] for k in [-d-1, d+1] */
		int pk, px, py;

		k = x - y;
		if (k == -d || (k != d && t[k - 1] < t[k + 1]))
			pk = k + 1;
		else
			pk = k - 1;
		px = t[pk];
		py = px - pk;
		while (x > px && y > py) {
			x--;
			y--;
		}
		if (d > 0) {
			if (x == px)
				ins[py] = 1;
			else
				del[px] = 1;
		}
		x = px;
		y = py;
	}
	rc = 0;
out:
	for (d = 0; d <= DIFF_MAXD; d++)
		free(trace[d]);
	free(trace);
	free(v);
	return rc;
}

/* Print one line with its prefix, marking a missing final newline. */
static void
diff_put_line(struct buf *out, char prefix, const struct diff_line *l)
{
	(void)buf_putc(out, prefix);
	(void)buf_append(out, l->p, l->len);
	if (l->len == 0 || l->p[l->len - 1] != '\n')
		(void)buf_puts(out, "\n\\ No newline at end of file\n");
}

/* Emit hunks for ops[0..nops). */
static void
diff_hunks(struct buf *out, const struct diff_op *ops, int nops,
    const struct diff_line *a, const struct diff_line *b, int context, size_t max)
{
	int i = 0;

	while (i < nops) {
		int first, start, end, j, last, os, ns, oc = 0, nc = 0;

		while (i < nops && ops[i].type == OP_EQ)
			i++;
		if (i == nops)
			break;
		first = i;
		/* Extend while the next change is within 2*context equal lines. */
		last = first;
		for (j = first; j < nops; j++) {
			if (ops[j].type != OP_EQ)
				last = j;
			else if (j - last > 2 * context)
				break;
		}
		start = first - context < 0 ? 0 : first - context;
		end = last + context + 1 > nops ? nops : last + context + 1;
		for (j = start; j < end; j++) {
			if (ops[j].type != OP_INS)
				oc++;
			if (ops[j].type != OP_DEL)
				nc++;
		}
		/* Start line numbers: first old/new index at or after start. */
		os = ns = -1;
		for (j = start; j < nops && (os < 0 || ns < 0); j++) {
			if (os < 0 && ops[j].type != OP_INS)
				os = ops[j].a;
			if (ns < 0 && ops[j].type != OP_DEL)
				ns = ops[j].b;
		}
		if (os < 0) {
			os = 0;
			for (j = start - 1; j >= 0; j--)
				if (ops[j].type != OP_INS) {
					os = ops[j].a + 1;
					break;
				}
		}
		if (ns < 0) {
			ns = 0;
			for (j = start - 1; j >= 0; j--)
				if (ops[j].type != OP_DEL) {
					ns = ops[j].b + 1;
					break;
				}
		}
		(void)buf_printf(out, "@@ -%d,%d +%d,%d @@\n",
		    oc ? os + 1 : os, oc, nc ? ns + 1 : ns, nc);
		for (j = start; j < end; j++) {
			if (ops[j].type == OP_EQ)
				diff_put_line(out, ' ', &a[ops[j].a]);
			else if (ops[j].type == OP_DEL)
				diff_put_line(out, '-', &a[ops[j].a]);
			else
				diff_put_line(out, '+', &b[ops[j].b]);
		}
		if (max != 0 && out->len > max) {
			buf_truncate(out, max);
			while (out->len > 0 && out->s[out->len - 1] != '\n')
				buf_truncate(out, out->len - 1);
			(void)buf_puts(out, "[diff truncated]\n");
			return;
		}
		i = end;
	}
}

/* See diff.h. */
char *
diff_unified(const char *old, size_t oldlen, const char *new_, size_t newlen,
    const char *old_label, const char *new_label, int context, size_t max)
{
	struct diff_line *a, *b;
	struct diff_op *ops;
	struct buf out;
	char *del, *ins, *res;
	int n, m, pre = 0, suf = 0, i, j, nops = 0;

	if (oldlen == newlen && (oldlen == 0 || memcmp(old, new_, oldlen) == 0))
		return NULL;
	n = diff_split(old, oldlen, &a);
	m = diff_split(new_, newlen, &b);
	while (pre < n && pre < m && diff_eq(&a[pre], &b[pre]))
		pre++;
	while (suf < n - pre && suf < m - pre &&
	    diff_eq(&a[n - 1 - suf], &b[m - 1 - suf]))
		suf++;

	del = xcalloc((size_t)n + 1, 1);
	ins = xcalloc((size_t)m + 1, 1);
	if (diff_myers(a + pre, n - pre - suf, b + pre, m - pre - suf,
	    del + pre, ins + pre) == -1) {
		memset(del + pre, 1, (size_t)(n - pre - suf));
		memset(ins + pre, 1, (size_t)(m - pre - suf));
	}

	ops = xcalloc((size_t)n + m + 1, sizeof *ops);
	i = j = 0;
	while (i < n || j < m) {
		if (i < n && del[i]) {
			ops[nops].type = OP_DEL;
			ops[nops++].a = i++;
		} else if (j < m && ins[j]) {
			ops[nops].type = OP_INS;
			ops[nops++].b = j++;
		} else {
			ops[nops].type = OP_EQ;
			ops[nops].a = i++;
			ops[nops++].b = j++;
		}
	}

	buf_init(&out, 0);
	(void)buf_printf(&out, "--- %s\n+++ %s\n", old_label, new_label);
	diff_hunks(&out, ops, nops, a, b, context < 0 ? 0 : context, max);

	free(ops);
	free(del);
	free(ins);
	free(a);
	free(b);
	res = buf_detach(&out, NULL);
	buf_free(&out);
	return res;
}

/* See diff.h.  A "--- " line followed by a "+++ " line is a file header. */
void
diff_stat(const char *diff, int *added, int *removed)
{
	const char *p = diff, *next;

	*added = *removed = 0;
	while (p != NULL && *p != '\0') {
		next = strchr(p, '\n');
		if (next != NULL)
			next++;
		if (strncmp(p, "--- ", 4) == 0 && next != NULL &&
		    strncmp(next, "+++ ", 4) == 0) {
			p = strchr(next, '\n');
			if (p != NULL)
				p++;
			continue;
		}
		if (p[0] == '+')
			(*added)++;
		else if (p[0] == '-')
			(*removed)++;
		p = next;
	}
}
