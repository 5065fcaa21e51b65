/*
 * image.h: image files as models take them: the type by magic bytes, and
 * the data: URL of OpenAI's image_url / input_image content parts.
 */
#ifndef CADE_IMAGE_H
#define CADE_IMAGE_H

#include <stddef.h>

#include <cjson/cJSON.h>

struct buf;

/* The MIME type (image/png, image/jpeg, image/gif, image/webp) of data by
 * its first bytes, or NULL if it is none of those. */
const char	*image_type(const void *data, size_t len);
/* "data:MIME;base64,..." (caller frees). */
char		*image_data_url(const char *mime, const void *data, size_t len);
/* A user_message event's images field as lines "\n[image: PATH, N KB]"
 * (the chat, the export). */
void		 image_notes(const cJSON *images, struct buf *out);

#endif
