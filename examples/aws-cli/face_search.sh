#!/usr/bin/env bash
# Face search with aws-cli against `rekmock serve`: staff photos uploaded to S3 and indexed into
# a collection, then camera photos searched against it.
#
#   examples/aws-cli/face_search.sh              # starts rekmock serve on a free port, stops it
#   REKMOCK_URL=http://127.0.0.1:5000 examples/aws-cli/face_search.sh   # uses a running server
#
# Needs `rekmock` and `aws` (pip install awscli) on PATH. Prints one line per step.
set -euo pipefail

PHOTOS=${PHOTOS:-"$(cd "$(dirname "$0")/../../tests/data" && pwd)"}
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1

if [ -z "${REKMOCK_URL:-}" ]; then
    log=$(mktemp)
    rekmock serve --port 0 2>"$log" &
    server=$!
    trap 'kill "$server" 2>/dev/null || true; wait "$server" || true; rm -f "$log"' EXIT
    # The server names its URL on its first log line: "... on http://127.0.0.1:PORT; ...".
    for _ in $(seq 600); do
        REKMOCK_URL=$(sed -n 's|.* on \(http://[0-9.]*:[0-9]*\);.*|\1|p' "$log")
        [ -n "$REKMOCK_URL" ] && break
        kill -0 "$server" 2>/dev/null || { cat "$log" >&2; exit 1; }
        sleep 0.1
    done
    [ -n "$REKMOCK_URL" ] || { echo "rekmock serve did not start" >&2; exit 1; }
fi
echo "server: $REKMOCK_URL"

aws() { command aws --endpoint-url "$REKMOCK_URL" "$@"; }

# Staff photos go to S3 and are indexed from there, one face each, named by ExternalImageId.
aws s3 mb s3://staff-photos >/dev/null
aws rekognition create-collection --collection-id staff \
    --query CollectionArn --output text | sed 's/^/collection: /'
for person in obama:obama.jpg hopper:hopper.jpg; do
    name=${person%%:*} file=${person#*:}
    aws s3 cp "$PHOTOS/$file" "s3://staff-photos/$file" >/dev/null
    face=$(aws rekognition index-faces --collection-id staff --max-faces 1 \
        --image "{\"S3Object\":{\"Bucket\":\"staff-photos\",\"Name\":\"$file\"}}" \
        --external-image-id "$name" --query 'FaceRecords[0].Face.FaceId' --output text)
    echo "indexed: $name $face"
done
aws rekognition list-faces --collection-id staff \
    --query 'length(Faces)' --output text | sed 's/^/faces in collection: /'

# Camera photos are searched from local files (bytes). A photo with no face is an error
# (InvalidParameterException): aws-cli exits non-zero and says so on stderr.
for photo in obama2.jpg biden.jpg coffee.jpg; do
    if found=$(aws rekognition search-faces-by-image --collection-id staff \
            --image-bytes "fileb://$PHOTOS/$photo" --face-match-threshold 90 \
            --query 'FaceMatches[0].[Face.ExternalImageId, Similarity]' --output text 2>&1); then
        if [ "$found" = "None" ]; then
            echo "search $photo: no match"
        else
            echo "search $photo: match $found"
        fi
    else
        echo "search $photo: error $(grep -o '([A-Za-z]*)' <<<"$found" | head -1 | tr -d '()')"
    fi
done
