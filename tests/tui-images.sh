#!/bin/sh
# tui-images.sh: an image named by "@path", in tmux against the fake LLM:
# for a model the endpoint's list says takes images it reaches the request
# as an image_url content part after the text; the bytes are kept once in
# the session's blobs (not in events.jsonl) and a headless resume sends the
# same data URL even after the file changed; a model that takes no images,
# one the list says nothing of, and a file over image_max get one line in
# the chat and no image.
. "$top_srcdir/tests/lib.sh"
export LC_ALL=C.UTF-8
command -v tmux >/dev/null 2>&1 || { skip "tmux not installed"; done_testing; }
setup_home
W=$T/work; mkdir -p "$W"
SOCK=cade-images-$$
TM() { tmux -L "$SOCK" "$@"; }
trap 'TM kill-server 2>/dev/null; cleanup' EXIT
printf 'set -g default-terminal tmux-256color\nset -g status off\n' > "$T/tmux.conf"
mkdir -p "$XDG_CONFIG_HOME/cade"
printf 'image_max = 4096\n' > "$XDG_CONFIG_HOME/cade/config"

bin() { for h in "$@"; do printf "\\$(printf %o "0x$h")"; done; }
# A real 1x1 PNG, a JPEG header, a PNG over image_max, a text file.
bin 89 50 4e 47 0d 0a 1a 0a 00 00 00 0d 49 48 44 52 00 00 00 01 00 00 00 01 \
    08 06 00 00 00 1f 15 c4 89 00 00 00 0a 49 44 41 54 78 9c 63 00 01 00 00 \
    05 00 01 0d 0a 2d b4 00 00 00 00 49 45 4e 44 ae 42 60 82 > "$W/shot.png"
{ bin ff d8 ff e0 00 10; printf 'JFIF-ish photo bytes'; } > "$W/photo.jpg"
{ bin 89 50 4e 47 0d 0a 1a 0a; head -c 6000 /dev/zero; } > "$W/big.png"
cat > "$T/script.json" <<'JSON'
{"models": [
  {"id": "vision-model", "architecture": {"input_modalities": ["text", "image"]}},
  {"id": "text-model", "architecture": {"input_modalities": ["text"]}},
  "plain-model"],
 "replies": [
 {"content": "Saw the shot."},
 {"content": "Saw both."},
 {"content": "Too big."},
 {"content": "Text only."},
 {"content": "Plain."},
 {"content": "Resumed with the image."},
 {"content": "Responses too."}
]}
JSON
start_fake "$T/script.json"

screen() { TM capture-pane -p "$@" -t ui; }
lastreq() { ls "$RECORD"/req-*.json | tail -1; }
tui_shell ui 130 30
TM send-keys -t ui "cd $W && clear && $CADE -m vision-model; echo cade-rc=\$?" Enter
wait_for 'keys here'

# The model list is asked for first (nothing was known), then the message
# goes with the image as a content part after the text.
TM send-keys -t ui "what is in @shot.png ?" Enter
wait_for 'Saw the shot.'
grep -q '^GET .*/models' "$RECORD"/models-0001.meta; ok $? "the endpoint's model list is read (the fake numbers lists on their own)"
req=$(lastreq)
grep -qF '"content":[{"type":"text","text":"what is in @shot.png ?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo' "$req"
ok $? "the request has the text, then the image as an image_url data: URL"
url=$(grep -o 'data:image/png;base64,[A-Za-z0-9+/=]*' "$req")
[ "$url" = "data:image/png;base64,$(base64 -w0 < "$W/shot.png")" ]; ok $? "... the data URL is the file's bytes"
screen | grep -qF '[image: shot.png, 1 KB]'; ok $? "the chat shows the image as one line"

# Two images, and the first one again: the earlier message is sent
# unchanged (cache-friendly prefix); the same image is stored once.
TM send-keys -t ui "compare @photo.jpg with @shot.png" Enter
wait_for 'Saw both.'
req2=$(lastreq)
grep -qF "$url\"}}]},{\"role\":\"assistant\"" "$req2"; ok $? "the earlier message with its image is resent as it was"
grep -qF '{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,/9j/4' "$req2"; ok $? "a JPEG goes as image/jpeg"
id=$(ls "$XDG_STATE_HOME/cade/sessions" | head -1)
S=$XDG_STATE_HOME/cade/sessions/$id
[ "$(ls "$S/blobs" | wc -l)" -eq 2 ] && [ -f "$S/blobs/$(sha256sum < "$W/shot.png" | cut -d' ' -f1)" ]
ok $? "the session keeps each image once, named by its sha256"
! grep -q 'iVBORw0KGgo' "$S/events.jsonl" && grep -q '"images":\[{"path":"shot.png","mime":"image/png","bytes":67,"sha256":"' "$S/events.jsonl"
ok $? "events.jsonl names the images by digest and holds no image data"

# /model alone lists the models, marking those that take images.
TM send-keys -t ui "/model" Enter
wait_for 'text-model'
screen | grep -qE '^ *vision-model \(in use\) +images *$' && screen | grep -qE '^ *text-model *$'
ok $? "/model marks the models the list says take images"

TM send-keys -t ui "and @big.png" Enter
wait_for 'Too big.'
! grep -q 'base64,iVBORw0KGgoAAAAAAAAA' "$(lastreq)" && screen | grep -qF '@big.png not attached: 6008 bytes, over image_max (4096)'
ok $? "an image over image_max is refused with one line"

# refused MODEL MESSAGE REPLY LINE WHY: with MODEL, MESSAGE goes as plain
# text and the chat says LINE.
refused() {
	TM send-keys -t ui "/model $1" Enter
	wait_for "model set to $1"
	TM send-keys -t ui "$2" Enter
	wait_for "$3"
	grep -qF "\"content\":\"$2\"" "$(lastreq)"; ok $? "$5 gets no image"
	screen | grep -qF "$4"; ok $? "... and the chat says so in one line"
}
refused text-model "now @shot.png" "Text only." \
    '@shot.png not attached: text-model does not take images' \
    "a model the list says takes no images"
refused plain-model "what of @shot.png" "Plain." \
    'cannot tell whether plain-model takes images' \
    "a model the list says nothing of (images = auto)"

TM send-keys -t ui "/quit" Enter
wait_for 'cade-rc=0'; ok $? "cade exits cleanly"

# Headless resume: the conversation is rebuilt from the store, images
# included, though the file on disk changed meanwhile.
printf 'changed' > "$W/shot.png"
(cd "$W" && "$CADE" -p "one more" --resume "$id" -m vision-model) > "$T/out" 2>"$T/err"
ok $? "headless resume runs"
grep -qF "$url\"}}]}" "$(lastreq)"; ok $? "the resumed request carries the first image from the store"
grep -q 'Resumed with the image.' "$T/out"; ok $? "... and the reply comes back"
# The Responses API takes the same message as input_text + input_image.
printf 'wire_api = responses\n' >> "$XDG_CONFIG_HOME/cade/config"
(cd "$W" && "$CADE" -p "once more" --resume "$id" -m vision-model) > "$T/out" 2>"$T/err"
grep -qF '{"role":"user","content":[{"type":"input_text","text":"what is in @shot.png ?"},{"type":"input_image","image_url":"'"$url"'"}]}' "$(lastreq)"
ok $? "the Responses API gets input_text then input_image"
cade_export=$("$CADE" sessions export "$id" 2>&1)
echo "$cade_export" | grep -qF '[image: shot.png, 1 KB]'; ok $? "the Markdown export names the image"
done_testing
