"""pytest plugin: runs ceph/s3-tests (unmodified) against SimpleTuner's storage endpoint.

The suite creates buckets of its own; the endpoint serves one bucket, ``outputs``, whose keys a
job's credentials reach below ``<job id>/``. Every request a boto3 client of the suite makes is
mapped *before it is signed* (botocore's ``before-sign`` event), so what reaches the server is an
ordinary, genuinely signed request for ``outputs/<job>/<bucket>/<key>``:

- the bucket ``b`` of the job ``j`` that created it becomes the key prefix ``j/b/`` of ``outputs``
  (a bucket nobody created is left as it is, and the server answers NoSuchBucket);
- listing parameters (``prefix``, ``marker``, ``start-after``), ``x-amz-copy-source`` and the keys of
  a DeleteObjects body get the same prefix (the body's Content-MD5/checksum are computed again);
- the path SigV2 signs (botocore's ``auth_path``) is mapped as the URL's is;
- answers are mapped back before botocore parses them (``before-parse``): the prefix leaves keys
  and prefixes, ``outputs`` becomes the bucket's name again.

Which job a client is: its access key (``STJ-<job id>``) says. Nothing else is changed.
"""
import base64
import hashlib
import re
import threading
import urllib.parse
import zlib

import botocore.session

HOME = "outputs"
OWNERS = {}  # bucket name -> job id of the client that created it
# botocore sends and parses on the caller's thread: the mapping of the request being answered
CURRENT = threading.local()


def _job_of(access_key):
    if access_key and access_key.startswith(("STJ-", "STD-")):
        return access_key[4:]
    return None


def _split(url):
    parts = urllib.parse.urlsplit(url)
    path = parts.path.lstrip("/")
    bucket, _, rest = path.partition("/")
    return parts, urllib.parse.unquote(bucket), rest, "/" in path


def _map_request(client_job, request, operation_name, **_):
    CURRENT.mapping = None
    parts, bucket, rest, has_key = _split(request.url)
    if not bucket or bucket == HOME:
        return
    if operation_name == "CreateBucket" and client_job:
        OWNERS.setdefault(bucket, client_job)
    job = OWNERS.get(bucket)
    if job is None:
        return
    prefix = job + "/" + bucket + "/"
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    if has_key and rest:
        path = "/" + HOME + "/" + urllib.parse.quote(prefix, safe="/") + rest
    else:
        path = "/" + HOME
        names = [k for k, _ in query]
        listing = operation_name in ("ListObjects", "ListObjectsV2", "ListObjectVersions")
        if listing and "prefix" not in names:
            query.append(("prefix", ""))
        query = [(k, prefix + v if k in ("prefix", "marker", "start-after", "key-marker") and listing else v)
                 for k, v in query]
    request.url = urllib.parse.urlunsplit((parts.scheme, parts.netloc, path,
                                           urllib.parse.urlencode(query, quote_via=urllib.parse.quote, safe="-_.~"),
                                           parts.fragment))
    if getattr(request, "auth_path", None) is not None:
        # SigV2 (signature_version "s3") signs botocore's auth_path, the suite's /bucket/key (a bare
        # bucket as "/bucket/"), not the URL's path: it is mapped alike.
        request.auth_path = path if has_key and rest else path + "/"
    source = request.headers.get("x-amz-copy-source")
    if source:
        src = urllib.parse.unquote(source).lstrip("/")
        src_bucket, _, src_key = src.partition("/")
        owner = OWNERS.get(src_bucket)
        if owner:
            request.headers.replace_header("x-amz-copy-source",
                                           urllib.parse.quote(HOME + "/" + owner + "/" + src_bucket + "/" + src_key))
    if operation_name == "DeleteObjects" and request.body:
        body = request.body if isinstance(request.body, bytes) else request.body.encode()
        body = re.sub(rb"<Key>", b"<Key>" + prefix.encode(), body)
        request.data = body
        request.headers.replace_header("Content-Length", str(len(body))) if "Content-Length" in request.headers \
            else None
        if "Content-MD5" in request.headers:
            request.headers.replace_header("Content-MD5", base64.b64encode(hashlib.md5(body).digest()).decode())
        if "x-amz-checksum-crc32" in request.headers:
            request.headers.replace_header("x-amz-checksum-crc32",
                                           base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode())
        if "x-amz-checksum-sha256" in request.headers:
            request.headers.replace_header("x-amz-checksum-sha256",
                                           base64.b64encode(hashlib.sha256(body).digest()).decode())
    CURRENT.mapping = (bucket, prefix)


def _map_response(response_dict, operation_model, **_):
    mapping = getattr(CURRENT, "mapping", None)
    body = response_dict.get("body")
    if not mapping or not isinstance(body, (bytes, bytearray)):
        return
    bucket, prefix = mapping
    if operation_model.name == "ListMultipartUploads":
        body = re.sub(rb"<Upload><Key>(?!" + re.escape(prefix.encode()) + rb").*?</Upload>", b"", body, flags=re.S)
    body = body.replace(prefix.encode(), b"")
    body = body.replace(urllib.parse.quote(prefix, safe="/").encode(), b"")
    for tag in (b"Name", b"Bucket"):
        body = body.replace(b"<" + tag + b">" + HOME.encode() + b"</" + tag + b">",
                            b"<" + tag + b">" + bucket.encode() + b"</" + tag + b">")
    response_dict["body"] = bytes(body)


_create_client = botocore.session.Session.create_client


def _adapted_create_client(self, service_name, *args, **kwargs):
    client = _create_client(self, service_name, *args, **kwargs)
    if service_name == "s3":
        access_key = kwargs.get("aws_access_key_id")
        if access_key is None and len(args) >= 6:
            access_key = args[5]
        job = _job_of(access_key)
        client.meta.events.register("before-sign.s3", lambda **kw: _map_request(job, **kw))
        client.meta.events.register("before-parse.s3", _map_response)
    return client


botocore.session.Session.create_client = _adapted_create_client
