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
 {"content": "Resumed with the image."}
]}
JSON
start_fake "$T/script.json"

screen() { TM capture-pane -p "$@" -t ui; }
lastreq() { ls "$RECORD"/req-*.json | tail -1; }
TM -f "$T/tmux.conf" new-session -d -s ui -x 130 -y 30 \
    "env PS1='sh\$ ' ${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS} HOME=$HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME XDG_STATE_HOME=$XDG_STATE_HOME LLM_BASE_URL=$LLM_BASE_URL LLM_API_KEY=$LLM_API_KEY sh"
wait_for 'sh$' 10
TM send-keys -t ui "cd $W && clear && $CADE -m vision-model; echo cade-rc=\$?" Enter
wait_for 'keys here'

# The model list is asked for first (nothing was known), then the message
# goes with the image as a content part after the text.
TM send-keys -t ui "what is in @shot.png ?" Enter
wait_for 'Saw the shot.'
grep -q '^GET .*/models' "$RECORD"/req-0001.meta; ok $? "the endpoint's model list is read first"
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

TM send-keys -t ui "and @big.png" Enter
wait_for 'Too big.'
! grep -q 'base64,iVBORw0KGgoAAAAAAAAA' "$(lastreq)" && screen | grep -qF '@big.png not attached: 6008 bytes, over image_max (4096)'
ok $? "an image over image_max is refused with one line"

TM send-keys -t ui "/model text-model" Enter
wait_for 'model set to text-model'
TM send-keys -t ui "now @shot.png" Enter
wait_for 'Text only.'
grep -qF '"content":"now @shot.png"' "$(lastreq)"; ok $? "a model the list says takes no images gets no image"
screen | grep -qF '@shot.png not attached: text-model does not take images'; ok $? "... and the chat says so in one line"

TM send-keys -t ui "/model plain-model" Enter
wait_for 'model set to plain-model'
TM send-keys -t ui "what of @shot.png" Enter
wait_for 'Plain.'
grep -qF '"content":"what of @shot.png"' "$(lastreq)"; ok $? "a model the list says nothing of gets no image (images = auto)"
screen | grep -qF 'cannot tell whether plain-model takes images'; ok $? "... with a line naming the images setting"

TM send-keys -t ui "/quit" Enter
wait_for 'cade-rc=0'; ok $? "cade exits cleanly"

# Headless resume: the conversation is rebuilt from the store, images
# included, though the file on disk changed meanwhile.
printf 'changed' > "$W/shot.png"
(cd "$W" && "$CADE" -p "one more" --resume "$id" -m vision-model) > "$T/out" 2>"$T/err"
ok $? "headless resume runs"
grep -qF "$url\"}}]}" "$(lastreq)"; ok $? "the resumed request carries the first image from the store"
grep -q 'Resumed with the image.' "$T/out"; ok $? "... and the reply comes back"
cade_export=$("$CADE" sessions export "$id" 2>&1)
echo "$cade_export" | grep -qF '[image: shot.png, 1 KB]'; ok $? "the Markdown export names the image"
done_testing
