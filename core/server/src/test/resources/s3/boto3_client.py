"""boto3 against the storage endpoint, as a trainer or a user's tooling would use it.

Usage: boto3_client.py <endpoint url> <access key> <secret> <key prefix>
Prints one JSON object of what it saw; the Java test asserts on it.
"""
import json
import sys
import urllib.request

import boto3
from botocore.config import Config

endpoint, access, secret, prefix = sys.argv[1:5]
seen = {}

s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=access, aws_secret_access_key=secret,
                  region_name="us-east-1", config=Config(s3={"addressing_style": "path"}))


def non_ascii_metadata(params, **kwargs):
    # boto3 refuses non-ASCII metadata itself; set as a header (as ceph's s3-tests do), it is sent
    # as Latin-1 bytes and signed as UTF-8 text.
    params["headers"]["x-amz-meta-note"] = "d\u00e9j\u00e0 vu"


s3.meta.events.register("before-call.s3.PutObject", non_ascii_metadata)
s3.put_object(Bucket="outputs", Key=prefix + "boto3/meta.txt", Body=b"metadata")
s3.meta.events.unregister("before-call.s3.PutObject", non_ascii_metadata)
seen["metadata"] = s3.head_object(Bucket="outputs", Key=prefix + "boto3/meta.txt")["Metadata"].get("note")

s3.put_object(Bucket="outputs", Key=prefix + "boto3/plain.txt", Body=b"plain bytes")
seen["listed"] = [o["Key"] for o in s3.list_objects_v2(Bucket="outputs", Prefix=prefix + "boto3/")["Contents"]]
seen["buckets"] = [b["Name"] for b in s3.list_buckets()["Buckets"]]

# SigV2 presigned GET: what boto3 makes with signature_version "s3" (and `aws s3 presign` by default).
v2 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=access, aws_secret_access_key=secret,
                  region_name="us-east-1", config=Config(signature_version="s3", s3={"addressing_style": "path"}))
url = v2.generate_presigned_url("get_object", Params={"Bucket": "outputs", "Key": prefix + "boto3/plain.txt"},
                                ExpiresIn=300)
seen["sigv2_url_has_signature"] = "Signature=" in url and "AWSAccessKeyId=" in url
seen["sigv2_body"] = urllib.request.urlopen(url).read().decode()
try:
    urllib.request.urlopen(url.replace("Signature=", "Signature=x"))
    seen["sigv2_forged"] = 200
except urllib.error.HTTPError as e:
    seen["sigv2_forged"] = e.code

s3.delete_objects(Bucket="outputs", Delete={"Objects": [{"Key": prefix + "boto3/meta.txt"},
                                                        {"Key": prefix + "boto3/plain.txt"}]})
seen["after_delete"] = s3.list_objects_v2(Bucket="outputs", Prefix=prefix + "boto3/").get("KeyCount")
print(json.dumps(seen))
