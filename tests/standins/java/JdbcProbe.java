import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;

/**
 * Connects with whatever MySQL JDBC driver is on the classpath and sends the two statements the
 * StarRocks Flink connector v1.2.10 sends (StarRocksQueryVisitor): the information_schema.COLUMNS
 * query as a client-side prepared statement with a scroll-insensitive result set, and
 * `select current_version() as ver;`. Prints one line per column and the version, or fails.
 * Usage: java -cp <driver.jar> JdbcProbe.java <jdbc-url> <user> <password> <db> <table>
 */
public class JdbcProbe {
    public static void main(String[] args) throws Exception {
        String url = args[0], user = args[1], password = args[2], db = args[3], table = args[4];
        try (Connection conn = DriverManager.getConnection(url, user, password)) {
            System.out.println("driver " + conn.getMetaData().getDriverName() + " " + conn.getMetaData().getDriverVersion());
            String columns = "select `COLUMN_NAME`, `ORDINAL_POSITION`, `COLUMN_KEY`, `DATA_TYPE`, `COLUMN_SIZE`, `DECIMAL_DIGITS` "
                    + "from `information_schema`.`COLUMNS` where `TABLE_SCHEMA`=? and `TABLE_NAME`=?;";
            try (PreparedStatement stmt = conn.prepareStatement(columns, ResultSet.TYPE_SCROLL_INSENSITIVE, ResultSet.CONCUR_READ_ONLY)) {
                stmt.setString(1, db);
                stmt.setString(2, table);
                try (ResultSet rs = stmt.executeQuery()) {
                    while (rs.next()) {
                        // The connector casts ORDINAL_POSITION to long: anything but a Long fails here as it would there.
                        long position = (long) rs.getObject("ORDINAL_POSITION");
                        System.out.println("column " + rs.getObject("COLUMN_NAME") + " position=" + position
                                + " key=" + rs.getObject("COLUMN_KEY") + " type=" + rs.getObject("DATA_TYPE")
                                + " size=" + rs.getObject("COLUMN_SIZE") + " digits=" + rs.getObject("DECIMAL_DIGITS")
                                + " positionClass=" + rs.getObject("ORDINAL_POSITION").getClass().getSimpleName());
                    }
                }
            }
            try (PreparedStatement stmt = conn.prepareStatement("select current_version() as ver;", ResultSet.TYPE_SCROLL_INSENSITIVE, ResultSet.CONCUR_READ_ONLY);
                 ResultSet rs = stmt.executeQuery()) {
                rs.next();
                System.out.println("version " + rs.getObject("ver"));
            }
        }
    }
}
