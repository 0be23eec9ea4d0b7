import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * Reads text through whatever MySQL JDBC driver is on the classpath and prints, for each value of the
 * first column, its code-point count and its UTF-8 bytes in hex (so the caller compares bytes, not
 * console encodings). Usage: java -cp <driver.jar> TextProbe.java <jdbc-url> <user> <password> <query>
 */
public class TextProbe {
    public static void main(String[] args) throws Exception {
        try (Connection conn = DriverManager.getConnection(args[0], args[1], args[2]);
             Statement stmt = conn.createStatement();
             ResultSet rs = stmt.executeQuery(args[3])) {
            while (rs.next()) {
                String s = rs.getString(1);
                if (s == null) {
                    System.out.println("value null");
                    continue;
                }
                StringBuilder hex = new StringBuilder();
                for (byte b : s.getBytes(StandardCharsets.UTF_8)) hex.append(String.format("%02x", b));
                System.out.println("value codePoints=" + s.codePointCount(0, s.length()) + " hex=" + hex);
            }
        }
    }
}
