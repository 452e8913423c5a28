// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The bounded timeline of a run (series.h). */
#include <string.h>
#include "series.h"

void fl_series_init(struct fl_series *s, int nfaults, uint64_t zero)
{
	memset(s, 0, sizeof(*s));
	s->zero_ns = zero;
	s->stride = 1;
	s->nfaults = nfaults < FL_EXP_MAX_FAULTS ? nfaults : FL_EXP_MAX_FAULTS;
}

/* Of two neighbours, the one to keep: the first failure, else the later. */
static struct fl_point pick(const struct fl_point *a, const struct fl_point *b)
{
	return a->ok ? *b : *a;
}

static void thin(struct fl_series *s)
{
	for (uint32_t i = 0; i < s->npoints / 2; i++)
		s->points[i] = pick(&s->points[2 * i], &s->points[2 * i + 1]);
	s->npoints /= 2;
	s->stride *= 2;
}

void fl_series_check(struct fl_series *s, uint64_t start, uint64_t end, bool ok, enum fl_phase ph)
{
	struct fl_point p = { start, end > start ? end - start : 0, ok, ph };

	s->checks++;
	s->group = s->grouped ? pick(&s->group, &p) : p;
	if (++s->grouped < s->stride)
		return;
	s->points[s->npoints++] = s->group;
	s->grouped = 0;
	if (s->npoints == FL_SERIES_POINTS)
		thin(s);
}

uint32_t fl_series_npoints(const struct fl_series *s)
{
	return s->npoints + (s->grouped > 0);
}

const struct fl_point *fl_series_point(const struct fl_series *s, uint32_t i)
{
	return i < s->npoints ? &s->points[i] : &s->group;
}

bool fl_series_thinned(const struct fl_series *s)
{
	return s->stride > 1;
}

void fl_series_phase(struct fl_series *s, enum fl_phase ph, uint64_t start, uint64_t end)
{
	if (start)
		s->phase_start[ph] = start;
	if (end)
		s->phase_end[ph] = end;
}

void fl_series_fault_start(struct fl_series *s, int i, uint64_t now)
{
	struct fl_fault_series *f = &s->faults[i];

	memset(f, 0, sizeof(*f));
	f->start_ns = now;
	f->bucket_ns = FL_SERIES_BUCKET_NS;
	f->next_ns = now + f->bucket_ns;
}

/* Full: pairs of buckets become one of twice the width. */
static void merge(struct fl_fault_series *f)
{
	for (uint32_t i = 0; i < f->nbuckets / 2; i++)
		f->injected[i] = f->injected[2 * i] + f->injected[2 * i + 1];
	f->nbuckets /= 2;
	f->bucket_ns *= 2;
	/* The bucket being counted began at an old boundary, the start of a new one. */
	f->next_ns = f->start_ns + (f->nbuckets + 1) * f->bucket_ns;
}

void fl_series_fault_sample(struct fl_series *s, int i, uint64_t now, uint64_t injected)
{
	struct fl_fault_series *f = &s->faults[i];

	if (!f->start_ns || f->end_ns)
		return;
	/* A tick late by more than a bucket puts it all in the first: counts are never lost. */
	while (now >= f->next_ns) {
		if (f->nbuckets == FL_SERIES_BUCKETS) {
			merge(f);
			continue;
		}
		f->injected[f->nbuckets++] = injected - f->counted;
		f->counted = injected;
		f->next_ns += f->bucket_ns;
	}
}

void fl_series_fault_end(struct fl_series *s, int i, uint64_t now, uint64_t injected)
{
	struct fl_fault_series *f = &s->faults[i];

	if (!f->start_ns || f->end_ns)
		return;
	fl_series_fault_sample(s, i, now, injected);
	if (f->nbuckets == FL_SERIES_BUCKETS)
		merge(f);
	/* The partial bucket, also when it counted nothing: the chart ends at end_ns. */
	f->injected[f->nbuckets++] = injected - f->counted;
	f->counted = injected;
	f->end_ns = now > f->start_ns ? now : f->start_ns + 1;
}
