package dev.simpletuner.cloud.server.store;

import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.PropertyKind;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowIterator;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.desc.ColumnDescriptor;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The answer of a statement that {@link SqliteWriter} ran itself, in the shape the stores read from
 * the SQL client: values as the driver hands them out (blobs as buffers, as {@link SqliteDecoder}
 * does), {@code rowCount} the driver's update count.
 */
final class SqliteRows implements RowSet<Row> {
  private final int rowCount;
  private final List<String> columns;
  private final List<Row> rows;

  private SqliteRows(int rowCount, List<String> columns, List<Row> rows) {
    this.rowCount = rowCount;
    this.columns = columns;
    this.rows = rows;
  }

  static SqliteRows updated(int rowCount) {
    return new SqliteRows(rowCount, List.of(), List.of());
  }

  /** Reads the whole result, which the caller then closes. */
  static SqliteRows read(int rowCount, ResultSet rs) throws SQLException {
    ResultSetMetaData meta = rs.getMetaData();
    int width = meta.getColumnCount();
    String[] names = new String[width];
    for (int i = 0; i < width; i++) {
      names[i] = meta.getColumnLabel(i + 1);
    }
    List<String> columns = Arrays.asList(names);
    List<Row> rows = new ArrayList<>();
    while (rs.next()) {
      Object[] values = new Object[width];
      for (int i = 0; i < width; i++) {
        Object value = rs.getObject(i + 1);
        values[i] = value instanceof byte[] bytes ? Buffer.buffer(bytes) : value;
      }
      rows.add(new Values(columns, values));
    }
    return new SqliteRows(rowCount, columns, rows);
  }

  @Override
  public RowIterator<Row> iterator() {
    var it = rows.iterator();
    return new RowIterator<>() {
      @Override
      public boolean hasNext() {
        return it.hasNext();
      }

      @Override
      public Row next() {
        return it.next();
      }
    };
  }

  @Override
  public int rowCount() {
    return rowCount;
  }

  @Override
  public List<String> columnsNames() {
    return columns;
  }

  @Override
  public List<ColumnDescriptor> columnDescriptors() {
    return List.of();
  }

  @Override
  public int size() {
    return rows.size();
  }

  @Override
  public <V> V property(PropertyKind<V> propertyKind) {
    return null;
  }

  @Override
  public RowSet<Row> value() {
    return this;
  }

  @Override
  public RowSet<Row> next() {
    return null;
  }

  /** One row; the typed getters are the SQL client's own defaults over {@link #getValue}. */
  private record Values(List<String> columns, Object[] values) implements Row {
    @Override
    public String getColumnName(int pos) {
      return pos >= 0 && pos < columns.size() ? columns.get(pos) : null;
    }

    @Override
    public int getColumnIndex(String column) {
      return columns.indexOf(column);
    }

    @Override
    public Object getValue(int pos) {
      return values[pos];
    }

    @Override
    public Row addValue(Object value) {
      throw new UnsupportedOperationException("a row read from the database");
    }

    @Override
    public int size() {
      return values.length;
    }

    @Override
    public void clear() {
      throw new UnsupportedOperationException("a row read from the database");
    }

    @Override
    public List<Class<?>> types() {
      List<Class<?>> types = new ArrayList<>(values.length);
      for (Object v : values) {
        types.add(v == null ? Object.class : v.getClass());
      }
      return types;
    }
  }
}
