/*
 * image.c: image files as models take them.
 *
 * The type comes from the magic bytes only (the name may lie, and a model
 * endpoint refuses a type it does not take): PNG's 8-byte signature, JPEG's
 * SOI marker followed by a marker byte, GIF87a/GIF89a, and WebP's RIFF
 * container with the WEBP form type.  These four are what the OpenAI Chat
 * Completions and Responses APIs accept as image input.
 */
#include "config.h"

#include <string.h>

#include <cjson/cJSON.h>

#include "cade/buf.h"
#include "cade/image.h"
#include "cade/util.h"

/* See image.h. */
const char *
image_type(const void *data, size_t len)
{
	const unsigned char *p = data;

	if (len >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	if (len >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		return "image/jpeg";
	if (len >= 6 && (memcmp(p, "GIF87a", 6) == 0 ||
	    memcmp(p, "GIF89a", 6) == 0))
		return "image/gif";
	if (len >= 12 && memcmp(p, "RIFF", 4) == 0 &&
	    memcmp(p + 8, "WEBP", 4) == 0)
		return "image/webp";
	return NULL;
}

/* See image.h. */
char *
image_data_url(const char *mime, const void *data, size_t len)
{
	struct buf b;

	buf_init(&b, 0);
	buf_printf(&b, "data:%s;base64,", mime);
	buf_base64(&b, data, len);
	return buf_detach(&b, NULL);
}

/* See image.h. */
void
image_notes(const cJSON *images, struct buf *out)
{
	const cJSON *it;
	double bytes;

	cJSON_ArrayForEach(it, images) {
		bytes = cJSON_GetNumberValue(cJSON_GetObjectItem(it, "bytes"));
		buf_printf(out, "\n[image: %s, %.0f KB]",
		    cJSON_GetStringValue(cJSON_GetObjectItem(it, "path")) ?
		    cJSON_GetStringValue(cJSON_GetObjectItem(it, "path")) : "?",
		    bytes >= 0 && bytes < 1e12 ? (bytes + 1023) / 1024 : 0);
	}
}
