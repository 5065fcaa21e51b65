#!/bin/sh
# headless-mention.sh: "@path" mentions in cade -p and cade batch attach
# as in the TUI (the same code below it): a file and a line range reach
# the recorded request inside <file> tags, an image reaches it as an
# image_url content part (after the model list said the model takes
# images); what cannot be attached (outside the workspace, hidden by the
# sandbox, missing, a directory, binary, too big, an image for a model
# without images) is one "cade: @x not attached: why" line on stderr and
# the run goes on.  cade models has an IMAGES column.
. "$top_srcdir/tests/lib.sh"
export LC_ALL=C.UTF-8
setup_home
trap cleanup EXIT
W=$T/work; mkdir -p "$W/src" "$W/dir"
mkdir -p "$XDG_CONFIG_HOME/cade"
printf 'sandbox_hidden = %s/secret.env\nimage_max = 4096\noutput_limit = 2000\n' \
    "$W" > "$XDG_CONFIG_HOME/cade/config"
bin() { for h in "$@"; do printf "\\$(printf %o "0x$h")"; done; }
bin 89 50 4e 47 0d 0a 1a 0a 00 00 00 0d 49 48 44 52 00 00 00 01 00 00 00 01 \
    08 06 00 00 00 1f 15 c4 89 00 00 00 0a 49 44 41 54 78 9c 63 00 01 00 00 \
    05 00 01 0d 0a 2d b4 00 00 00 00 49 45 4e 44 ae 42 60 82 > "$W/shot.png"
{ bin 89 50 4e 47 0d 0a 1a 0a; head -c 6000 /dev/zero; } > "$W/big.png"
seq 1 100 | sed 's/^/line-/' > "$W/src/foo.c"
printf 'int whole_file_marker;\n' > "$W/src/small.c"
printf 'TOKEN=hidden-value-xyz\n' > "$W/secret.env"
{ printf 'bin'; bin 00 01 02; } > "$W/blob.bin"
seq 1 2000 > "$W/long.txt"
printf 'outside-value-xyz\n' > "$T/outside.txt"
cat > "$T/script.json" <<'JSON'
{"models": [
  {"id": "vision-model", "architecture": {"input_modalities": ["text", "image"]}},
  {"id": "text-model", "architecture": {"input_modalities": ["text"]}}],
 "replies": [
 {"content": "Got the files."},
 {"content": "Got the refusals."},
 {"content": "Text only."},
 {"content": "Batch done."}
]}
JSON
start_fake "$T/script.json"
lastreq() { ls "$RECORD"/req-*.json | tail -1; }
run() { (cd "$W" && "$CADE" -p "$@") > "$T/out" 2> "$T/err"; }

run "look at @src/foo.c:10-12 and @src/small.c, then @shot.png." -m vision-model
ok $? "cade -p with mentions runs"
req=$(lastreq)
grep -qF '<file path=\"src/foo.c\" lines=\"10-12\">\nline-10\nline-11\nline-12\n</file>' "$req"
ok $? "a line range is attached, only those lines"
grep -qF '<file path=\"src/small.c\">\nint whole_file_marker;\n</file>' "$req"
ok $? "a whole file is attached"
! grep -q 'line-13' "$req"; ok $? "... nothing past the range"
grep -qF '{"type":"image_url","image_url":{"url":"data:image/png;base64,'"$(base64 -w0 < "$W/shot.png")"'"}}' "$req"
ok $? "the image goes as an image_url content part after the text"
grep -qF '"text":"look at @src/foo.c:10-12 and @src/small.c, then @shot.png.' "$req"
ok $? "... the text as typed comes first"
grep -q '^GET .*/models' "$RECORD"/models-0001.meta; ok $? "the model list was asked whether the model takes images"
[ ! -s "$T/err" ] || ! grep -q 'not attached' "$T/err"; ok $? "no refusal line for what was attached"
grep -q 'Got the files.' "$T/out"; ok $? "the answer comes back"

run "try @../outside.txt @secret.env @nope.c @dir @blob.bin @long.txt @big.png" -m vision-model
ok $? "refused mentions do not fail the run"
req=$(lastreq)
[ -n "${KEEP:-}" ] && cat "$T/err"
expect() { grep -qxF "cade: $1" "$T/err"; ok $? "refused in one line: $1"; }
expect "@../outside.txt not attached: path '../outside.txt' is outside the workspace $W"
expect "@secret.env not attached: 'secret.env' is hidden by the sandbox (credentials)"
expect "@nope.c not attached: no such file"
expect "@dir not attached: not a regular file"
expect "@blob.bin not attached: a binary file"
expect "@big.png not attached: 6008 bytes, over image_max (4096)"
! grep -qE 'outside-value|hidden-value|image_url' "$req"; ok $? "nothing refused reaches the request"
grep -qF '[... ' "$req" && grep -qF 'more bytes not attached: name a line range]' "$req"
ok $? "a file over output_limit is attached cut, with a note"
[ "$(grep -c 'not attached' "$T/err")" -eq 6 ]; ok $? "one line per refusal"

run "and @shot.png" -m text-model
grep -qxF 'cade: @shot.png not attached: text-model does not take images (the endpoint'"'"'s model list says so; images = on sends them anyway)' "$T/err"
ok $? "a model that takes no images: the image is refused in one line"
grep -qF '"content":"and @shot.png"' "$(lastreq)"; ok $? "... and the message goes as plain text"

# cade models says which models take images, where the list says so.
"$CADE" models > "$T/models.txt" 2>&1
head -1 "$T/models.txt" | grep -q ' IMAGES$' && grep -qE '^vision-model +- +- +- +yes$' "$T/models.txt" &&
    grep -qE '^text-model +- +- +- +no$' "$T/models.txt"
ok $? "cade models: an IMAGES column, yes and no as the list says"

# cade batch: a task's prompt attaches the same way.
printf '{"id": "t1", "prompt": "see @src/small.c", "model": "vision-model"}\n' > "$W/tasks.jsonl"
(cd "$W" && "$CADE" batch "$W/tasks.jsonl" --jobs 1 --isolate none) > "$T/bout" 2> "$T/berr"
grep -qF '<file path=\"src/small.c\">\nint whole_file_marker;\n</file>' "$(lastreq)"
ok $? "cade batch: a mention in a task's prompt is attached"
[ -n "${KEEP:-}" ] && cat "$T/berr" "$T/bout"
done_testing
