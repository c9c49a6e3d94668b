package dev.simpletuner.cloud.server.s3;

import dev.simpletuner.cloud.server.store.OutputStore;
import java.io.ByteArrayInputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The S3 XML this endpoint speaks (external-apis.md 3.2, 3.3). */
final class S3Xml {
  static final String NS = "http://s3.amazonaws.com/doc/2006-03-01/";
  private static final String HEAD = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

  private S3Xml() {
  }

  static String error(S3Exception e, String resource, String requestId) {
    return HEAD + "<Error><Code>" + esc(e.code()) + "</Code><Message>" + esc(e.getMessage()) + "</Message><Resource>"
        + esc(resource) + "</Resource><RequestId>" + esc(requestId) + "</RequestId></Error>";
  }

  static String initiated(String bucket, String key, String uploadId) {
    return HEAD + "<InitiateMultipartUploadResult xmlns=\"" + NS + "\"><Bucket>" + esc(bucket) + "</Bucket><Key>"
        + esc(key) + "</Key><UploadId>" + esc(uploadId) + "</UploadId></InitiateMultipartUploadResult>";
  }

  /** @param checksum the object's {algorithm, value, type}, or null */
  static String completed(String location, String bucket, String key, String etag,
                          io.vertx.core.json.JsonObject checksum) {
    return "<CompleteMultipartUploadResult xmlns=\"" + NS + "\"><Location>" + esc(location) + "</Location><Bucket>"
        + esc(bucket) + "</Bucket><Key>" + esc(key) + "</Key><ETag>&quot;" + esc(etag) + "&quot;</ETag>"
        + checksum(checksum) + "</CompleteMultipartUploadResult>";
  }

  /** The element of a checksum in S3's XML: {@code ChecksumSHA256} for {@code sha256}. */
  private static String checksumTag(String algorithm) {
    return "Checksum" + algorithm.toUpperCase(java.util.Locale.ROOT);
  }

  /** {@code <ChecksumSHA256>..</ChecksumSHA256><ChecksumType>..</ChecksumType>}, or nothing. */
  private static String checksum(io.vertx.core.json.JsonObject checksum) {
    if (checksum == null) {
      return "";
    }
    String tag = checksumTag(checksum.getString("algorithm"));
    return "<" + tag + ">" + esc(checksum.getString("value")) + "</" + tag + "><ChecksumType>"
        + esc(checksum.getString("type", "FULL_OBJECT")) + "</ChecksumType>";
  }

  /** @param checksum the upload's checksum, or null: then each part lists its own in that algorithm */
  static String parts(String bucket, String key, String uploadId, List<OutputStore.Part> parts,
                      MultipartChecksum checksum) {
    StringBuilder b = new StringBuilder(HEAD).append("<ListPartsResult xmlns=\"").append(NS).append("\"><Bucket>")
        .append(esc(bucket)).append("</Bucket><Key>").append(esc(key)).append("</Key><UploadId>").append(esc(uploadId))
        .append("</UploadId><StorageClass>STANDARD</StorageClass><PartNumberMarker>0</PartNumberMarker>")
        .append("<MaxParts>10000</MaxParts><IsTruncated>false</IsTruncated>");
    String tag = checksum == null ? null : checksumTag(checksum.algorithm());
    if (checksum != null) {
      b.append("<ChecksumAlgorithm>").append(checksum.wireName()).append("</ChecksumAlgorithm><ChecksumType>")
          .append(checksum.type()).append("</ChecksumType>");
    }
    for (OutputStore.Part p : parts) {
      b.append("<Part><PartNumber>").append(p.number()).append("</PartNumber><LastModified>")
          .append(Instant.ofEpochMilli(p.updatedAt())).append("</LastModified><ETag>&quot;").append(esc(p.etag()))
          .append("&quot;</ETag><Size>").append(p.size()).append("</Size>");
      if (tag != null && p.checksum() != null) {
        b.append('<').append(tag).append('>').append(esc(p.checksum())).append("</").append(tag).append('>');
      }
      b.append("</Part>");
    }
    return b.append("</ListPartsResult>").toString();
  }

  static String uploads(String bucket, List<OutputStore.Upload> uploads) {
    StringBuilder b = new StringBuilder(HEAD).append("<ListMultipartUploadsResult xmlns=\"").append(NS)
        .append("\"><Bucket>").append(esc(bucket)).append("</Bucket><IsTruncated>false</IsTruncated>");
    for (OutputStore.Upload u : uploads) {
      b.append("<Upload><Key>").append(esc(u.key())).append("</Key><UploadId>").append(esc(u.uploadId()))
          .append("</UploadId><Initiated>").append(Instant.ofEpochMilli(u.createdAt())).append("</Initiated></Upload>");
    }
    return b.append("</ListMultipartUploadsResult>").toString();
  }

  /** The one grant there is: the job owns what it wrote (GetObjectAcl / GetBucketAcl). */
  static String acl(String owner) {
    String who = "<ID>" + esc(owner) + "</ID><DisplayName>" + esc(owner) + "</DisplayName>";
    return HEAD + "<AccessControlPolicy xmlns=\"" + NS + "\"><Owner>" + who + "</Owner><AccessControlList><Grant>"
        + "<Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"CanonicalUser\">" + who
        + "</Grantee><Permission>FULL_CONTROL</Permission></Grant></AccessControlList></AccessControlPolicy>";
  }

  static String owner(String owner) {
    return "<Owner><ID>" + esc(owner) + "</ID><DisplayName>" + esc(owner) + "</DisplayName></Owner>";
  }

  /** ListBuckets: the buckets these credentials reach. */
  static String buckets(String owner, List<String> buckets, long createdAt) {
    StringBuilder b = new StringBuilder(HEAD).append("<ListAllMyBucketsResult xmlns=\"").append(NS).append("\">")
        .append(owner(owner)).append("<Buckets>");
    for (String name : buckets) {
      b.append("<Bucket><Name>").append(esc(name)).append("</Name><CreationDate>").append(Instant.ofEpochMilli(createdAt))
          .append("</CreationDate></Bucket>");
    }
    return b.append("</Buckets></ListAllMyBucketsResult>").toString();
  }

  /** GetObjectAttributes, with the attributes asked for ({@code x-amz-object-attributes}). */
  /**
   * @param maxParts   how many parts of a multipart object to list (x-amz-max-parts)
   * @param partMarker list the parts after this number (x-amz-part-number-marker)
   */
  static String attributes(OutputStore.Output o, java.util.Set<String> asked, int maxParts, int partMarker) {
    StringBuilder b = new StringBuilder(HEAD).append("<GetObjectAttributesOutput xmlns=\"").append(NS).append("\">");
    if (asked.contains("etag")) {
      b.append("<ETag>").append(esc(o.etag())).append("</ETag>");
    }
    io.vertx.core.json.JsonObject checksum = o.attrs() == null ? null : o.attrs().getJsonObject("checksum");
    if (asked.contains("checksum") && checksum != null) {
      b.append("<Checksum>").append(checksum(checksum)).append("</Checksum>");
    }
    io.vertx.core.json.JsonArray parts = o.attrs() == null ? null : o.attrs().getJsonArray("parts");
    io.vertx.core.json.JsonArray partChecksums = o.attrs() == null ? null : o.attrs().getJsonArray("part_checksums");
    String partTag = checksum == null ? null : checksumTag(checksum.getString("algorithm"));
    if (asked.contains("objectparts") && parts != null) {
      // "PartsCount" is what the SDKs read (their model's name for TotalPartsCount).
      b.append("<ObjectParts><PartsCount>").append(parts.size()).append("</PartsCount><PartNumberMarker>")
          .append(partMarker).append("</PartNumberMarker><MaxParts>").append(maxParts).append("</MaxParts>");
      int last = Math.min(parts.size(), partMarker + maxParts);
      for (int n = partMarker + 1; n <= last; n++) {
        b.append("<Part><PartNumber>").append(n).append("</PartNumber><Size>").append(parts.getLong(n - 1))
            .append("</Size>");
        if (partChecksums != null && partTag != null && partChecksums.getString(n - 1) != null) {
          b.append('<').append(partTag).append('>').append(esc(partChecksums.getString(n - 1))).append("</")
              .append(partTag).append('>');
        }
        b.append("</Part>");
      }
      if (last < parts.size()) {
        b.append("<NextPartNumberMarker>").append(last).append("</NextPartNumberMarker>");
      }
      b.append("<IsTruncated>").append(last < parts.size()).append("</IsTruncated></ObjectParts>");
    }
    if (asked.contains("storageclass")) {
      b.append("<StorageClass>STANDARD</StorageClass>");
    }
    if (asked.contains("objectsize")) {
      b.append("<ObjectSize>").append(o.size()).append("</ObjectSize>");
    }
    return b.append("</GetObjectAttributesOutput>").toString();
  }

  static String copied(String root, String etag, long modifiedAt) {
    return HEAD + "<" + root + " xmlns=\"" + NS + "\"><LastModified>" + Instant.ofEpochMilli(modifiedAt)
        + "</LastModified><ETag>&quot;" + esc(etag) + "&quot;</ETag></" + root + ">";
  }

  /** One key of a DeleteObjects answer: deleted (error null) or refused with an S3 error. */
  record Deletion(String key, S3Exception error) {
  }

  static String deleted(List<Deletion> results, boolean quiet) {
    StringBuilder b = new StringBuilder(HEAD).append("<DeleteResult xmlns=\"").append(NS).append("\">");
    for (Deletion d : results) {
      if (d.error() == null) {
        if (!quiet) {
          b.append("<Deleted><Key>").append(esc(d.key())).append("</Key></Deleted>");
        }
      } else {
        b.append("<Error><Key>").append(esc(d.key())).append("</Key><Code>").append(esc(d.error().code()))
            .append("</Code><Message>").append(esc(d.error().getMessage())).append("</Message></Error>");
      }
    }
    return b.append("</DeleteResult>").toString();
  }

  /**
   * A DeleteObjects body: its objects (at most 1000), each with the conditions it may carry (its
   * ETag, LastModifiedTime and Size must match; null: not asked), and whether it is quiet.
   */
  record DeleteRequest(List<DeleteTarget> objects, boolean quiet) {
  }

  record DeleteTarget(String key, String etag, String lastModified, String size) {
  }

  static DeleteRequest deleteRequest(byte[] body) {
    Element root = parse(body, "Delete");
    List<DeleteTarget> objects = new ArrayList<>();
    NodeList nodes = root.getElementsByTagNameNS("*", "Object");
    for (int i = 0; i < nodes.getLength(); i++) {
      Element object = (Element) nodes.item(i);
      String key = text(object, "Key");
      if (key == null) {
        throw S3Exception.malformedXml();
      }
      objects.add(new DeleteTarget(key, text(object, "ETag"), text(object, "LastModifiedTime"), text(object, "Size")));
    }
    if (objects.isEmpty() || objects.size() > 1000) {
      throw S3Exception.malformedXml();
    }
    String quiet = text(root, "Quiet");
    return new DeleteRequest(objects, quiet != null && quiet.strip().equalsIgnoreCase("true"));
  }

  static String location() {
    return HEAD + "<LocationConstraint xmlns=\"" + NS + "\"></LocationConstraint>";
  }

  static String head() {
    return HEAD;
  }

  /**
   * The parts of a CompleteMultipartUpload body, in document order.
   *
   * @param checksums the part's checksums the client lists, by lower-case algorithm ({@code ChecksumSHA256} is sha256)
   */
  record RequestedPart(int number, String etag, java.util.Map<String, String> checksums) {
  }

  static List<RequestedPart> completeRequest(byte[] body) {
    Element root = parse(body, "CompleteMultipartUpload");
    List<RequestedPart> parts = new ArrayList<>();
    NodeList nodes = root.getElementsByTagNameNS("*", "Part");
    for (int i = 0; i < nodes.getLength(); i++) {
      Element part = (Element) nodes.item(i);
      String number = text(part, "PartNumber");
      String etag = text(part, "ETag");
      if (number == null || etag == null || !number.strip().matches("\\d{1,5}")) {
        throw S3Exception.malformedXml();
      }
      java.util.Map<String, String> checksums = new java.util.HashMap<>();
      for (org.w3c.dom.Node n = part.getFirstChild(); n != null; n = n.getNextSibling()) {
        String name = n.getLocalName();
        if (n instanceof Element && name != null && name.startsWith("Checksum") && name.length() > 8) {
          checksums.put(name.substring(8).toLowerCase(java.util.Locale.ROOT), n.getTextContent().strip());
        }
      }
      parts.add(new RequestedPart(Integer.parseInt(number.strip()), unquote(etag.strip()), checksums));
    }
    if (parts.isEmpty()) {
      throw S3Exception.malformedXml();
    }
    return parts;
  }

  /** The root element of a small XML request body, which must be {@code rootName}. */
  private static Element parse(byte[] body, String rootName) {
    try {
      DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
      // No DTDs, no external entities: the body comes from the network.
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      f.setXIncludeAware(false);
      f.setExpandEntityReferences(false);
      f.setNamespaceAware(true);
      DocumentBuilder builder = f.newDocumentBuilder();
      builder.setErrorHandler(null);
      Document doc = builder.parse(new ByteArrayInputStream(body));
      Element root = doc.getDocumentElement();
      if (!rootName.equals(root.getLocalName())) {
        throw S3Exception.malformedXml();
      }
      return root;
    } catch (S3Exception e) {
      throw e;
    } catch (Exception e) {
      throw S3Exception.malformedXml();
    }
  }

  static String unquote(String etag) {
    String e = etag.strip();
    if (e.startsWith("&quot;")) {
      e = e.substring(6);
    }
    if (e.endsWith("&quot;")) {
      e = e.substring(0, e.length() - 6);
    }
    if (e.startsWith("\"")) {
      e = e.substring(1);
    }
    if (e.endsWith("\"")) {
      e = e.substring(0, e.length() - 1);
    }
    return e;
  }

  private static String text(Element parent, String name) {
    NodeList list = parent.getElementsByTagNameNS("*", name);
    return list.getLength() == 0 ? null : list.item(0).getTextContent();
  }

  static String esc(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&apos;");
        default -> {
          if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
            b.append("&#x").append(Integer.toHexString(c)).append(';');
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.toString();
  }
}
