package dev.simpletuner.cloud.server.store;

import io.vertx.core.buffer.Buffer;
import io.vertx.jdbcclient.spi.JDBCColumnDescriptorProvider;
import io.vertx.jdbcclient.spi.JDBCEncoderImpl;
import io.vertx.sqlclient.Tuple;

/**
 * Binds values as SQLite takes them (strings, numbers, null; buffers as blobs). The JDBC client's
 * generic encoder first asks the driver for each parameter's metadata and formats it for a debug
 * line, which costs more than running a job update. The JDBC client serves only the embedded SQLite
 * store here (PostgreSQL has its own client). Registered through
 * {@code META-INF/services/io.vertx.jdbcclient.spi.JDBCEncoder}.
 */
public final class SqliteEncoder extends JDBCEncoderImpl {
  @Override
  public Object encode(Tuple params, int pos, JDBCColumnDescriptorProvider provider) {
    Object value = params.getValue(pos - 1);
    return value instanceof Buffer buffer ? buffer.getBytes() : value;
  }
}
