"""boto3 with signature_version "s3" (SigV2 in the Authorization header) against the storage endpoint.

Usage: boto3_sigv2.py <endpoint url> <access key> <secret> <key prefix>
Prints one JSON object of what it saw; the Java test asserts on it.
"""
import json
import sys
import urllib.request

import boto3
from botocore.config import Config

endpoint, access, secret, prefix = sys.argv[1:5]
s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=access, aws_secret_access_key=secret,
                  region_name="us-east-1", config=Config(signature_version="s3", s3={"addressing_style": "path"}))
key = prefix + "boto3-sigv2/a b.txt"
seen = {"etag": s3.put_object(Bucket="outputs", Key=key, Body=b"sigv2 bytes", Metadata={"step": "7"})["ETag"]}
got = s3.get_object(Bucket="outputs", Key=key)
seen["body"] = got["Body"].read().decode()
seen["metadata"] = got["Metadata"].get("step")
seen["listed"] = [o["Key"] for o in s3.list_objects_v2(Bucket="outputs", Prefix=prefix + "boto3-sigv2/")["Contents"]]
upload = s3.create_multipart_upload(Bucket="outputs", Key=key + ".parts")["UploadId"]
part = s3.upload_part(Bucket="outputs", Key=key + ".parts", UploadId=upload, PartNumber=1, Body=b"one part")["ETag"]
s3.complete_multipart_upload(Bucket="outputs", Key=key + ".parts", UploadId=upload,
                             MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part}]})
seen["multipart"] = s3.get_object(Bucket="outputs", Key=key + ".parts")["Body"].read().decode()
url = s3.generate_presigned_url("get_object", Params={"Bucket": "outputs", "Key": key}, ExpiresIn=300)
seen["presigned"] = urllib.request.urlopen(url).read().decode()
s3.delete_object(Bucket="outputs", Key=key)
s3.delete_object(Bucket="outputs", Key=key + ".parts")
seen["after_delete"] = s3.list_objects_v2(Bucket="outputs", Prefix=prefix + "boto3-sigv2/").get("KeyCount")
print(json.dumps(seen))
