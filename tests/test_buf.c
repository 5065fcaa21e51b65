/* test_buf: buffer invariants, the size cap, UTF-8 helpers, sha256, secrets, the terminal neutraliser. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cade/buf.h"
#include "cade/safe.h"
#include "cade/secret.h"
#include "cade/image.h"
#include "cade/sha256.h"
#include "cade/util.h"
#include "tap.h"

int
main(void)
{
	struct buf b;
	char *s, hex[65], *big;
	size_t n, i;
	long l;

	buf_init(&b, 0);
	ok(b.s != NULL && b.len == 0 && b.s[0] == '\0', "empty buffer is a valid string");
	for (i = 0; i < 1000; i++)
		(void)buf_printf(&b, "%zu,", i);
	ok(b.len == strlen(b.s), "len tracks the NUL-terminated text");
	ok(strncmp(b.s, "0,1,2,", 6) == 0 && strstr(b.s, ",999,") != NULL, "printf appends grow the buffer");
	buf_consume(&b, 2);
	ok(strncmp(b.s, "1,2,", 4) == 0, "consume drops from the front");
	s = buf_detach(&b, &n);
	ok(n > 0 && b.len == 0 && b.s != NULL, "detach leaves a valid empty buffer");
	free(s);
	buf_free(&b);

	buf_init(&b, 10);
	is_int(buf_puts(&b, "0123456789"), 0, "append up to max succeeds");
	is_int(buf_putc(&b, 'x'), -1, "append past max fails");
	is_int(b.len, 10, "failed append leaves buffer unchanged");
	buf_reset(&b);
	is_int(buf_printf(&b, "%s", "this is longer than ten"), -1, "printf past max fails");
	is_int(b.len, 0, "failed printf appends nothing");
	ok(b.s[0] == '\0', "and keeps the NUL");
	buf_free(&b);

	ok(util_utf8_valid("h\xc3\xa9llo \xe2\x82\xac", 10), "valid UTF-8 accepted");
	ok(!util_utf8_valid("\xc0\xaf", 2), "overlong rejected");
	ok(!util_utf8_valid("\xed\xa0\x80", 3), "surrogate rejected");
	ok(!util_utf8_valid("\xe2\x82", 2), "truncated sequence rejected");
	s = util_utf8_sanitize("a\xffz", 3, &n);
	ok(n == 5 && memcmp(s, "a\xef\xbf\xbdz", 5) == 0, "invalid byte replaced by U+FFFD");
	free(s);

	sha256_hex("abc", 3, hex);
	is_str(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "sha256('abc')");
	big = xmalloc(1000000);
	memset(big, 'a', 1000000);
	sha256_hex(big, 1000000, hex);
	is_str(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", "sha256 of a million 'a'");
	free(big);

	/* Base64 (RFC 4648 section 10 vectors), the cap, image types. */
	{
		static const char *const in[] = { "", "f", "fo", "foo", "foob",
		    "fooba", "foobar" };
		static const char *const want[] = { "", "Zg==", "Zm8=", "Zm9v",
		    "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
		struct buf b64;
		size_t k;

		for (k = 0; k < nitems(in); k++) {
			buf_init(&b64, 0);
			buf_base64(&b64, in[k], strlen(in[k]));
			ok(strcmp(b64.s, want[k]) == 0, "base64('%s') is '%s'", in[k],
			    b64.s);
			buf_free(&b64);
			/* ... and back, padded and not. */
			buf_init(&b64, 0);
			ok(buf_unbase64(&b64, want[k], strlen(want[k])) == 0 &&
			    b64.len == strlen(in[k]) && memcmp(b64.s, in[k],
			    b64.len) == 0, "unbase64('%s') is '%s'", want[k], in[k]);
			buf_reset(&b64);
			ok(buf_unbase64(&b64, want[k], strcspn(want[k], "=")) == 0 &&
			    b64.len == strlen(in[k]), "... without its padding");
			buf_free(&b64);
		}
		buf_init(&b64, 0);
		ok(buf_unbase64(&b64, "Zm9v!", 5) == -1 && b64.len == 0 &&
		    buf_unbase64(&b64, "Zm9vY", 5) == -1 &&
		    buf_unbase64(&b64, "Zm 9v", 5) == -1 &&
		    buf_unbase64(&b64, "Zg===", 5) == -1 && b64.len == 0,
		    "unbase64: a stray character, one left over, too much "
		    "padding: -1, unchanged");
		buf_free(&b64);
		buf_init(&b64, 6);
		ok(buf_puts(&b64, "ab") == 0 && buf_base64(&b64, "foob", 4) == -1 &&
		    strcmp(b64.s, "ab") == 0, "base64 past the cap: -1, unchanged");
		buf_free(&b64);
		is_str(image_type("\x89PNG\r\n\x1a\n", 8), "image/png", "PNG by magic");
		is_str(image_type("\xff\xd8\xff\xe0", 4), "image/jpeg", "JPEG by magic");
		is_str(image_type("GIF89a", 6), "image/gif", "GIF by magic");
		is_str(image_type("RIFF\0\0\0\0WEBPVP8 ", 16), "image/webp", "WebP by magic");
		ok(image_type("RIFF\0\0\0\0WAVE", 12) == NULL &&
		    image_type("\x89PN", 4) == NULL, "others and short heads are no image");
		s = image_data_url("image/gif", "GIF89a", 6);
		is_str(s, "data:image/gif;base64,R0lGODlh", "a data: URL");
		free(s);
	}

	ok(util_parse_long("42", 0, 100, &l) == 0 && l == 42, "parse_long ok");
	ok(util_parse_long("42x", 0, 100, &l) == -1, "parse_long rejects junk");
	ok(util_parse_long("101", 0, 100, &l) == -1, "parse_long rejects out of range");

	secret_add("sk-supersecret-123");
	secret_add("ab");	/* too short to register */
	s = secret_mask("key=sk-supersecret-123 ab end sk-supersecret-123", 49, NULL);
	is_str(s, "key=<secret-hidden> ab end <secret-hidden>", "secrets masked, short values ignored");
	free(s);
	setenv("MY_SERVICE_TOKEN", "tok-abcdef", 1);
	secret_add_env(NULL, 0);
	ok(secret_present("x tok-abcdef y", 14), "env *_TOKEN value registered");
	ok(secret_partial_tail("text sk-super", 13) == 8, "a tail that begins a secret is found");
	ok(secret_partial_tail("text sk-supersecret-123", 23) == 0, "a whole secret is not a partial tail");
	secret_clear();

	/* The neutraliser (src/safe.c). */
	{
		static const char in[] = "a\033]2;T\007b\tc\r\nd\033[31me\302\233" "2Jf\x7fg\xff";
		char *v = safe_text(in, sizeof in - 1, SAFE_VISIBLE, NULL);
		char *x = safe_text(in, sizeof in - 1, SAFE_STRIP, NULL);

		is_str(v, "a^[]2;T^Gb\tc\nd^[[31me^[[2Jf^?g\xef\xbf\xbd", "visible: ESC, BEL, C1 CSI, DEL as carets; tab and newline kept; bad byte U+FFFD");
		is_str(x, "ab\tc\ndefg\xef\xbf\xbd", "strip: OSC, CSI, C1 CSI and DEL removed, text kept");
		ok(safe_clean(v, strlen(v)) && safe_clean(x, strlen(x)), "both results are clean");
		free(v);
		free(x);
		v = safe_json("{\"t\":\"a\302\233" "b\x7f\"}");
		is_str(v, "{\"t\":\"a\\u009bb\\u007f\"}", "json: C1 and DEL escaped");
		free(v);
	}
	return tap_done();
}
