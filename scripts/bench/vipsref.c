/*
 * vipsref: the in-process libvips reference of the derive benchmark
 * (cmd/mediabench/vipsref.go compiles it into .devstack/ and runs it).
 *
 * It reads the photo into memory once, then makes the same set as
 * process.Processor.Image makes from it, N times: the preview (inside a
 * box), the thumb (inside a box the caller sizes so the short edge is the
 * one bounded) and a centre-cropped card, each a JPEG with metadata
 * stripped. One iteration is a warm-up; the CPU of the N that follow
 * (user + system, every thread of the process) is printed per set.
 *
 * Run it with VIPS_CONCURRENCY=1: the caller compares it with ours on one
 * thread. The operation cache is off, or every iteration after the first
 * would be a cache hit.
 *
 * usage: vipsref FILE N PREVIEW_W PREVIEW_H PREVIEW_Q THUMB_W THUMB_H THUMB_Q CARD_W CARD_H CARD_Q
 * output (one line): sets=N cpu_s_per_set=S wall_s_per_set=S bytes=P,T,C
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <vips/vips.h>

struct size {
	int w, h, q;
	gboolean crop;
};

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static double wall_seconds(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return tv.tv_sec + tv.tv_usec / 1e6;
}

/* derive makes one JPEG of the set from the file's bytes, shrinking on
 * load as vipsthumbnail does; it returns the JPEG's length, 0 on error. */
static size_t derive(const void *buf, size_t len, const struct size *s)
{
	VipsImage *out;
	void *jpeg;
	size_t n;
	int err;

	if (vips_thumbnail_buffer((void *) buf, len, &out, s->w, "height", s->h,
			"size", VIPS_SIZE_DOWN,
			"crop", s->crop ? VIPS_INTERESTING_CENTRE : VIPS_INTERESTING_NONE,
			NULL))
		return 0;
	err = vips_jpegsave_buffer(out, &jpeg, &n, "Q", s->q, "strip", TRUE, NULL);
	g_object_unref(out);
	if (err)
		return 0;
	g_free(jpeg);
	return n;
}

/* set makes preview, thumb and card; sizes receives their lengths. */
static int set(const void *buf, size_t len, const struct size sizes[3], size_t bytes[3])
{
	for (int i = 0; i < 3; i++)
		if (!(bytes[i] = derive(buf, len, &sizes[i])))
			return -1;
	return 0;
}

static int parse(char **argv, int *n, struct size sizes[3])
{
	*n = atoi(argv[2]);
	for (int i = 0; i < 3; i++) {
		sizes[i].w = atoi(argv[3 + 3 * i]);
		sizes[i].h = atoi(argv[4 + 3 * i]);
		sizes[i].q = atoi(argv[5 + 3 * i]);
		sizes[i].crop = i == 2;
		if (sizes[i].w <= 0 || sizes[i].h <= 0 || sizes[i].q < 1 || sizes[i].q > 100)
			return -1;
	}
	return *n > 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct size sizes[3];
	size_t bytes[3], len;
	gchar *buf;
	double c0, w0;
	int n;

	if (VIPS_INIT(argv[0]))
		vips_error_exit("init");
	if (argc != 12 || parse(argv, &n, sizes)) {
		fprintf(stderr, "usage: vipsref FILE N PREVIEW_W PREVIEW_H PREVIEW_Q THUMB_W THUMB_H THUMB_Q CARD_W CARD_H CARD_Q\n");
		return 2;
	}
	vips_cache_set_max(0);
	if (!g_file_get_contents(argv[1], &buf, &len, NULL))
		vips_error_exit("cannot read %s", argv[1]);
	if (set(buf, len, sizes, bytes)) /* warm-up: first-use costs do not count */
		vips_error_exit("derive");
	c0 = cpu_seconds();
	w0 = wall_seconds();
	for (int i = 0; i < n; i++)
		if (set(buf, len, sizes, bytes))
			vips_error_exit("derive");
	printf("sets=%d cpu_s_per_set=%.6f wall_s_per_set=%.6f bytes=%zu,%zu,%zu\n", n,
		(cpu_seconds() - c0) / n, (wall_seconds() - w0) / n, bytes[0], bytes[1], bytes[2]);
	g_free(buf);
	vips_shutdown();
	return 0;
}
