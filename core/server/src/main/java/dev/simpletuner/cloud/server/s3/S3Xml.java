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

  static String completed(String location, String bucket, String key, String etag) {
    return "<CompleteMultipartUploadResult xmlns=\"" + NS + "\"><Location>" + esc(location) + "</Location><Bucket>"
        + esc(bucket) + "</Bucket><Key>" + esc(key) + "</Key><ETag>&quot;" + esc(etag)
        + "&quot;</ETag></CompleteMultipartUploadResult>";
  }

  static String parts(String bucket, String key, String uploadId, List<OutputStore.Part> parts) {
    StringBuilder b = new StringBuilder(HEAD).append("<ListPartsResult xmlns=\"").append(NS).append("\"><Bucket>")
        .append(esc(bucket)).append("</Bucket><Key>").append(esc(key)).append("</Key><UploadId>").append(esc(uploadId))
        .append("</UploadId><StorageClass>STANDARD</StorageClass><PartNumberMarker>0</PartNumberMarker>")
        .append("<MaxParts>10000</MaxParts><IsTruncated>false</IsTruncated>");
    for (OutputStore.Part p : parts) {
      b.append("<Part><PartNumber>").append(p.number()).append("</PartNumber><LastModified>")
          .append(Instant.ofEpochMilli(p.updatedAt())).append("</LastModified><ETag>&quot;").append(esc(p.etag()))
          .append("&quot;</ETag><Size>").append(p.size()).append("</Size></Part>");
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

  static String location() {
    return HEAD + "<LocationConstraint xmlns=\"" + NS + "\"></LocationConstraint>";
  }

  /** One object entry of a listing. */
  static void content(StringBuilder b, OutputStore.Output o) {
    b.append("<Contents><Key>").append(esc(o.key())).append("</Key><LastModified>")
        .append(Instant.ofEpochMilli(o.updatedAt())).append("</LastModified><ETag>&quot;").append(esc(o.etag()))
        .append("&quot;</ETag><Size>").append(o.size()).append("</Size><StorageClass>STANDARD</StorageClass></Contents>");
  }

  static String head() {
    return HEAD;
  }

  /** The parts of a CompleteMultipartUpload body, in document order. */
  record RequestedPart(int number, String etag) {
  }

  static List<RequestedPart> completeRequest(byte[] body) {
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
      if (!"CompleteMultipartUpload".equals(root.getLocalName())) {
        throw S3Exception.malformedXml();
      }
      List<RequestedPart> parts = new ArrayList<>();
      NodeList nodes = root.getElementsByTagNameNS("*", "Part");
      for (int i = 0; i < nodes.getLength(); i++) {
        Element part = (Element) nodes.item(i);
        String number = text(part, "PartNumber");
        String etag = text(part, "ETag");
        if (number == null || etag == null || !number.strip().matches("\\d{1,5}")) {
          throw S3Exception.malformedXml();
        }
        parts.add(new RequestedPart(Integer.parseInt(number.strip()), unquote(etag.strip())));
      }
      if (parts.isEmpty()) {
        throw S3Exception.malformedXml();
      }
      return parts;
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
