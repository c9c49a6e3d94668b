package dev.simpletuner.cloud.server.store;

import io.vertx.core.buffer.Buffer;
import io.vertx.jdbcclient.spi.JDBCColumnDescriptorProvider;
import io.vertx.jdbcclient.spi.JDBCDecoderImpl;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Reads SQLite values as the driver hands them out (Integer, Long, Double, String, null; blobs as
 * buffers). The JDBC client's generic decoder asks the driver for each value's column metadata
 * and type mapping first, which costs more than the query itself when a list reads 50 rows of 27
 * columns. Other databases keep the generic decoder. Registered through
 * {@code META-INF/services/io.vertx.jdbcclient.spi.JDBCDecoder}.
 */
public final class SqliteDecoder extends JDBCDecoderImpl {
  @Override
  public Object parse(ResultSet rs, int pos, JDBCColumnDescriptorProvider provider) throws SQLException {
    if (!rs.getClass().getName().startsWith("org.sqlite.")) {
      return super.parse(rs, pos, provider);
    }
    Object value = rs.getObject(pos);
    return value instanceof byte[] bytes ? Buffer.buffer(bytes) : value;
  }
}
