#!/usr/bin/env bash
# The yc-contracts showcase, run by `make demo`: every command of the CLI on the bundled examples.
#
# Each step prints the command it runs (after "$ "), then what the command prints. Commands that report problems
# on purpose exit with 1 (the input breaks the contract) or 2 (the input cannot be read); the script checks that
# each command exits as expected and stops on any surprise.
set -euo pipefail
cd "$(dirname "$0")"
examples=$(pwd)
command -v yc-contracts >/dev/null || { echo "yc-contracts is not on PATH (run: make demo)" >&2; exit 1; }

scratch=$(mktemp -d)
background=()  # processes started in the background (step 12), stopped on exit whatever happens
cleanup() {
  local pid
  for pid in ${background[@]+"${background[@]}"}; do stop "$pid"; done
  rm -rf "$scratch"
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# show COMMAND...: print it as you would type it (arguments with spaces, "?", "*" or "&" quoted).
show() {
  local out="$" arg
  for arg in "$@"; do
    case $arg in *[[:space:]?*\&]*) out+=" \"$arg\"" ;; *) out+=" $arg" ;; esac
  done
  printf '%s\n' "$out"
}
# expect STATUS COMMAND...: show and run COMMAND, and fail the demo unless it exits with STATUS.
expect() {
  local want=$1
  shift
  show "$@"
  local got=0
  "$@" 2>&1 || got=$?
  if [ "$got" -ne "$want" ]; then
    echo "demo: expected exit status $want, got $got" >&2
    exit 1
  fi
  if [ "$want" -ne 0 ]; then printf '(exit status %s)\n' "$got"; fi
}
# started NAME PATTERN COMMAND...: show COMMAND and run it in the background (its output in $scratch/NAME.log), wait
# up to 15 s for a line of its output matching PATTERN, print its output so far, and set $ready to that line.
started() {
  local name=$1 pattern=$2 log="$scratch/$1.log" pid
  shift 2
  printf '%s &\n' "$(show "$@")"
  "$@" > "$log" 2>&1 &
  pid=$!
  background+=("$pid")
  ready=""
  for _ in $(seq 150); do
    ready=$(grep -m1 -E "$pattern" "$log" || true)
    if [ -n "$ready" ] || ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  sed 's/^/   /' "$log"
  if [ -z "$ready" ]; then
    echo "demo: $name did not start" >&2
    exit 1
  fi
}
# stop PID: SIGTERM, and SIGKILL if it is still running 5 s later.
stop() {
  kill -TERM "$1" 2>/dev/null || return 0
  for _ in $(seq 50); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$1" 2>/dev/null || true
}
# request STATUS CURL-ARGUMENTS...: show and run curl (10 s at most), print the response body and its HTTP status, and
# fail the demo unless the status is STATUS. The body is kept in $scratch/response.
request() {
  local want=$1 code
  shift
  show curl -sS "$@"
  code=$(curl -sS --max-time 10 -o "$scratch/response" -w '%{http_code}' "$@") || {
    echo "demo: curl failed" >&2
    exit 1
  }
  cat "$scratch/response"
  if [ -n "$(tail -c1 "$scratch/response")" ]; then echo; fi
  printf '(HTTP %s)\n' "$code"
  if [ "$code" != "$want" ]; then
    echo "demo: expected HTTP $want, got $code" >&2
    exit 1
  fi
}

step "1. What the contract holds"
expect 0 yc-contracts list services routes

step "2. Validate the good payloads: JSON, YAML and NDJSON (one payload per line)"
echo "   Which message type each file is comes from examples/pyproject.toml, [tool.yc-contracts.payloads]."
expect 0 yc-contracts validate -v payloads/*/*.good.*

step "3. Validate the bad ones: every problem at file:line:column, with its rule id and one sentence"
expect 1 yc-contracts validate payloads/ocr_v1/recognize_text.bad.json payloads/stt_v2 payloads/stt_v3/recognize_file.bad.yaml payloads/operation/operations.bad.ndjson

step "4. A file that is not JSON is reported at its line and column; the other files are still checked"
expect 2 yc-contracts validate payloads/stt_v3

step "5. The same checks for CI: GitHub annotations (also: --format json, junit, sarif)"
expect 1 yc-contracts validate --format github payloads/stt_v2/long_running_recognize.bad.json

step "6. Without a pyproject.toml: name the type, or the REST route whose body the payload is"
expect 0 yc-contracts validate --route "POST /speech/stt/v2/longRunningRecognize" payloads/stt_v2/long_running_recognize.good.json

step "7. Convert a request: REST JSON -> protobuf text format -> binary -> REST JSON"
type=yandex.cloud.ai.stt.v2.LongRunningRecognitionRequest
cp payloads/stt_v2/long_running_recognize.good.json "$scratch/request.json"
cp stt_v3_recognize_file.txtpb "$scratch/"
cd "$scratch"
expect 0 yc-contracts convert --type "$type" --from rest --to text request.json
yc-contracts convert --type "$type" --from rest --to text request.json > request.txtpb
show yc-contracts convert --type "$type" --from text --to binary request.txtpb ">" request.bin
yc-contracts convert --type "$type" --from text --to binary request.txtpb > request.bin
echo "   request.bin: $(wc -c < request.bin) bytes of protobuf wire format; the first 32:"
od -A d -t x1 -N 32 request.bin | sed 's/^/   /'
expect 0 yc-contracts convert --type "$type" --from binary --to ndjson request.bin
yc-contracts convert --type "$type" --from binary --to ndjson request.bin > back.ndjson
yc-contracts convert --type "$type" --from rest --to ndjson request.json > original.ndjson
if cmp -s back.ndjson original.ndjson; then
  echo "   round trip: the REST JSON that comes back is the one that went in"
else
  echo "demo: the round trip changed the request" >&2
  exit 1
fi
step "   ...a text-format file can name its own type (its '# proto-message:' line)"
expect 0 yc-contracts convert --from text --to rest stt_v3_recognize_file.txtpb
cd "$examples"

step "8. Transcode the seeds' REST calls to the gRPC calls they become"
expect 0 yc-contracts transcode POST /speech/stt/v2/longRunningRecognize --body payloads/stt_v2/long_running_recognize.good.json \
  --header "Authorization: Api-Key AQVN-example-key" --header "x-data-logging-enabled: true"
expect 0 yc-contracts transcode GET /operations/e03sup6d5h1qa1b2c3d4 --header "Authorization: Bearer t1.example"
expect 0 yc-contracts transcode POST /stt/v3/recognizeFileAsync --body payloads/stt_v3/recognize_file.good.json
expect 0 yc-contracts transcode POST /ocr/v1/recognizeTextAsync --body payloads/ocr_v1/recognize_text.good.json \
  --header "x-folder-id: b1gq8m4r2c7t0v5k9e3d"
expect 0 yc-contracts transcode GET /ocr/v1/getRecognition --query operationId=fcq1v0mh3k5a7s2d9b4e --format json
step "   ...and a request the routes reject (HTTP 400), with the body's violations located"
expect 1 yc-contracts transcode POST /speech/stt/v2/longRunningRecognize --body payloads/stt_v2/long_running_recognize.bad.json

step "9. Export the JSON Schemas and the OpenAPI document, and check them against the contract"
cd "$scratch"
expect 0 yc-contracts schemas export schemas
find schemas -name '*.json' | sort | sed -n '1,3s/^/   /p'
echo "   ..."
expect 0 yc-contracts schemas check schemas
echo '{"title": "edited by hand"}' > schemas/speechkit.stt.v3.RawAudio.schema.json
echo "\$ echo '{\"title\": \"edited by hand\"}' > schemas/speechkit.stt.v3.RawAudio.schema.json"
expect 1 yc-contracts schemas check schemas

step "10. Breaking changes: a copy of protos/ with a tightened length, a removed field and a renamed enum value"
cp -r "$examples/../protos" before
cp -r before after
# edit FILE SED-SCRIPT: sed in place, portably (BSD and GNU sed spell -i differently).
edit() { sed -e "$2" "$1" > "$1.new" && mv "$1.new" "$1"; }
edit after/yandex/cloud/ai/ocr/v1/ocr_service.proto \
  's/string model = 4 \[(yandex.cloud.length) = "<=50"\];/string model = 4 [(yandex.cloud.length) = "<=20"];/'
edit after/yandex/cloud/ai/stt/v2/stt_service.proto '/^  bool raw_results = 10;$/d'
edit after/yandex/cloud/ai/stt/v2/stt_service.proto 's/^    MP3 = 3;$/    MPEG_AUDIO = 3;/'
expect 1 yc-contracts breaking --protos after --against before
echo "   (yc-contracts breaking --against main compares protos/ with the main branch, read with git archive)"
cd "$examples"

step "11. The text-format examples through the wire format, and into the official SDK's classes"
expect 0 python roundtrip.py ./*.txtpb

step "12. The emulator: the four services on loopback, for tests and CI (yc-contracts emulate)"
command -v curl >/dev/null || { echo "demo: steps 12-15 need curl" >&2; exit 1; }
echo "$ cat emulator.toml"
cat emulator.toml
started emulator '^http ' yc-contracts emulate --config emulator.toml
grpc_target=$(grep -m1 '^grpc ' "$scratch/emulator.log" | cut -d' ' -f2)
http_url=${ready#http }

step "13. A recognition over gRPC, end to end: yc-contracts recognize (checked, sent, polled with backoff, read)"
export YC_API_KEY=demo-key
expect 0 yc-contracts recognize --api stt-v3 --endpoint "$grpc_target" --poll-interval 0.2 media/tone_8k.wav \
  --format text
expect 0 yc-contracts recognize --api ocr --endpoint "$grpc_target" --poll-interval 0.2 media/two_pages.pdf \
  --format text
step "   ...a request the service would reject is not sent: exit status 1 and every violation (STT v2 takes a URI)"
expect 1 yc-contracts recognize --api stt-v2 --endpoint "$grpc_target" media/opus.ogg

step "14. The same over REST against the emulator: submit -> poll -> result"
request 200 -X POST "$http_url/stt/v3/recognizeFileAsync" -H "Authorization: Api-Key demo-key" \
  -H "Content-Type: application/json" --data @payloads/stt_v3/recognize_file.good.json
operation=$(python -c 'import json, sys; print(json.load(sys.stdin)["id"])' < "$scratch/response")
step "   ...the first poll: not done yet (ProtoJSON leaves done: false out)"
request 200 -H "Authorization: Api-Key demo-key" "$http_url/operations/$operation"
step "   ...the second poll: done"
request 200 -H "Authorization: Api-Key demo-key" "$http_url/operations/$operation"
step "   ...the result: one JSON object per line (NDJSON) as the messages arrive"
request 200 -H "Authorization: Api-Key demo-key" "$http_url/stt/v3/getRecognition?operationId=$operation"
step "   ...a wrong API key: 401 UNAUTHENTICATED (the key is never echoed)"
request 401 -H "Authorization: Api-Key wrong-key" "$http_url/operations/$operation"

step "15. REST -> gateway -> gRPC: yc-contracts gateway in front of the emulator's gRPC port"
started gateway '^listening on ' yc-contracts gateway --listen 127.0.0.1:0 --upstream "$grpc_target"
url=${ready#listening on }
request 200 -X POST "$url/stt/v3/recognizeFileAsync" -H "Authorization: Api-Key demo-key" \
  -H "Content-Type: application/json" --data @payloads/stt_v3/recognize_file.good.json
step "   ...a gRPC error becomes its HTTP status (NOT_FOUND: 404) with the google.rpc.Status as the body"
request 404 -H "Authorization: Api-Key demo-key" "$url/operations/e03nosuchoperation01"
step "   ...a request that breaks the contract: 400 with every violation (google.rpc.BadRequest); gRPC is not called"
cd "$scratch"
cat > bad.json <<'JSON'
{"uri": "https://storage.yandexcloud.net/speechkit-bucket/calls/call-0042.ogg", "content": "UklGRg==",
 "recognitionModel": {"model": "general", "audioFormat": {"rawAudio": {"audioEncoding": "LINEAR16_PCM", "sampleRateHertz": "8k"}}}}
JSON
echo "$ cat bad.json"
cat bad.json
request 400 -X POST "$url/stt/v3/recognizeFileAsync" -H "Authorization: Api-Key demo-key" \
  -H "Content-Type: application/json" --data @bad.json
cd "$examples"
step "   ...what the emulator saw: its journal (GET /_emulator/calls), one line per call"
show curl -sS "$http_url/_emulator/calls"
curl -sS --max-time 10 "$http_url/_emulator/calls" | python -c '
import json, sys
for c in json.load(sys.stdin)["calls"]:
    name = c["method"].rsplit(".", 1)[-1]
    print("  ", name.ljust(15), c["status"].ljust(16), "authorization:", c["metadata"].get("authorization"))'
echo "   stopping the gateway (it lets requests in flight finish) and the emulator"
for pid in "${background[@]}"; do stop "$pid"; done
background=()
