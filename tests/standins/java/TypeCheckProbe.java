import com.starrocks.connector.flink.manager.StarRocksSinkTable;
import com.starrocks.connector.flink.table.sink.StarRocksSinkOptions;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.TableSchema;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.utils.LogicalTypeParser;
import org.apache.flink.table.types.utils.TypeConversions;

/**
 * Runs the REAL StarRocks Flink connector's (1.2.10) table check, StarRocksSinkTable#validateTableStructure,
 * as its sink does when a job opens: it reads information_schema.COLUMNS over JDBC and compares each Flink
 * column type with the StarRocks DATA_TYPE. The first column is the primary key.
 * Prints "valid" or "invalid: <message>".
 * Usage: java -cp <connector jar>:<flink-table-common and deps> TypeCheckProbe.java
 *        <jdbc-url> <load-url> <user> <password> <db> <table> <name:FLINK TYPE>...
 */
public class TypeCheckProbe {
    public static void main(String[] args) throws Exception {
        StarRocksSinkOptions options = StarRocksSinkOptions.builder()
                .withProperty("jdbc-url", args[0])
                .withProperty("load-url", args[1])
                .withProperty("username", args[2])
                .withProperty("password", args[3])
                .withProperty("database-name", args[4])
                .withProperty("table-name", args[5])
                .build();
        TableSchema.Builder b = TableSchema.builder();
        String key = null;
        for (int i = 6; i < args.length; i++) {
            int colon = args[i].indexOf(':');
            String name = args[i].substring(0, colon);
            DataType type = TypeConversions.fromLogicalToDataType(
                    LogicalTypeParser.parse(args[i].substring(colon + 1), TypeCheckProbe.class.getClassLoader()));
            if (key == null) {
                key = name;
                type = type.notNull();
            }
            b.field(name, type);
        }
        TableSchema schema = b.primaryKey(key).build();
        StarRocksSinkTable sinkTable = StarRocksSinkTable.builder().sinkOptions(options).build();
        try {
            sinkTable.validateTableStructure(options, schema);
            System.out.println("valid");
        } catch (RuntimeException e) {
            System.out.println("invalid: " + e.getMessage());
        }
    }
}
