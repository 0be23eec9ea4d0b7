import com.starrocks.connector.flink.manager.StarRocksSinkTable;
import com.starrocks.connector.flink.row.sink.StarRocksISerializer;
import com.starrocks.connector.flink.row.sink.StarRocksSerializerFactory;
import com.starrocks.connector.flink.table.sink.ExactlyOnceLabelGeneratorFactory;
import com.starrocks.connector.flink.table.sink.LingeringTransactionAborter;
import com.starrocks.connector.flink.table.sink.StarRocksSinkOptions;
import com.starrocks.connector.flink.table.sink.StarRocksSinkSemantic;
import com.starrocks.connector.flink.tools.JsonWrapper;
import com.starrocks.data.load.stream.StreamLoadSnapshot;
import com.starrocks.data.load.stream.StreamLoadUtils;
import com.starrocks.data.load.stream.properties.StreamLoadProperties;
import com.starrocks.data.load.stream.v2.StreamLoadManagerV2;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.TableSchema;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.Collections;

/**
 * Drives the REAL StarRocks Flink connector (flink-connector-starrocks 1.2.10) without a Flink cluster,
 * along the path its V2 sink function takes (SinkFunctionFactory#createSinkFunction ->
 * StarRocksDynamicSinkFunctionV2): the transaction-load probe (StreamLoadUtils), StarRocksSinkTable
 * (information_schema + current_version over JDBC, primary-key check that turns on upsert/delete),
 * StarRocksSinkOptions#getProperties (headers, `columns` with `__op`), the connector's row serializer,
 * and StreamLoadManagerV2 with the loader it picks. Then it flushes (at-least-once: loads and commits)
 * or flushes, snapshots, prepares and commits (exactly-once, as checkpoints do). Exactly-once opens as
 * the sink function does on a fresh start (no restored state): ExactlyOnceLabelGeneratorFactory labels
 * ({prefix}-{table}-{subtask}-{id}, ids from 1) and the LingeringTransactionAborter run first.
 * With PROBE_WAIT_STDIN=1 it reads one line from stdin after "loader ..." before loading.
 *
 * Table: (id BIGINT key, name VARCHAR, amount DECIMAL(10,2)). Rows: "id:name:amount:op" with op 0
 * (upsert) or 1 (delete); "-" is NULL. Prints "probe ...", "loader ...", "headers ...", "done".
 * Usage: java -cp <connector jar>:<flink-table-common and deps>:<slf4j> ConnectorProbe.java
 *        <jdbc-url> <load-url> <user> <password> <db> <table> <at-least-once|exactly-once> <csv|json> <label-prefix> <row>...
 */
public class ConnectorProbe {
    public static void main(String[] args) throws Exception {
        String jdbcUrl = args[0], loadUrl = args[1], user = args[2], password = args[3], db = args[4], table = args[5];
        String semantic = args[6], format = args[7], labelPrefix = args[8];
        String[] rows = Arrays.copyOfRange(args, 9, args.length);

        StarRocksSinkOptions.Builder b = StarRocksSinkOptions.builder()
                .withProperty("jdbc-url", jdbcUrl)
                .withProperty("load-url", loadUrl)
                .withProperty("username", user)
                .withProperty("password", password)
                .withProperty("database-name", db)
                .withProperty("table-name", table)
                .withProperty("sink.semantic", semantic)
                .withProperty("sink.label-prefix", labelPrefix)
                .withProperty("sink.socket.timeout-ms", "20000");
        if (format.equals("json")) {
            b.withProperty("sink.properties.format", "json");
        }
        StarRocksSinkOptions options = b.build();

        // SinkFunctionFactory#detectStarRocksFeature: an exception there means "supported".
        boolean supported;
        try {
            supported = StreamLoadUtils.isStarRocksSupportTransactionLoad(
                    options.getLoadUrlList(), options.getConnectTimeout(), options.getUsername(), options.getPassword());
        } catch (Exception e) {
            supported = true;
        }
        options.setSupportTransactionStreamLoad(supported);
        System.out.println("probe transactionSupported=" + supported);

        TableSchema schema = TableSchema.builder()
                .field("id", DataTypes.BIGINT().notNull())
                .field("name", DataTypes.STRING())
                .field("amount", DataTypes.DECIMAL(10, 2))
                .primaryKey("id")
                .build();
        StarRocksSinkTable sinkTable = StarRocksSinkTable.builder().sinkOptions(options).build();
        sinkTable.validateTableStructure(options, schema);
        System.out.println("upsertDelete=" + options.supportUpsertDelete() + " version=" + sinkTable.getVersion());
        StarRocksISerializer serializer = StarRocksSerializerFactory.createSerializer(options, schema.getFieldNames());
        serializer.open(new StarRocksISerializer.SerializerContext(new JsonWrapper()));

        StreamLoadProperties properties = options.getProperties(sinkTable);
        System.out.println("headers " + properties.getHeaders() + " table " + properties.getDefaultTableProperties().getProperties());
        boolean atLeastOnce = options.getSemantic() == StarRocksSinkSemantic.AT_LEAST_ONCE;
        StreamLoadManagerV2 manager = new StreamLoadManagerV2(properties, atLeastOnce);
        if (!atLeastOnce) {
            manager.setLabelGeneratorFactory(new ExactlyOnceLabelGeneratorFactory(labelPrefix, 1, 0, 0));
        }
        manager.init();
        if (!atLeastOnce) {
            new LingeringTransactionAborter(labelPrefix, 0, 0, options.getAbortCheckNumTxns(), options.getDbTables(),
                    Collections.emptyList(), manager.getStreamLoader()).execute();
        }
        System.out.println("loader " + manager.getStreamLoader().getClass().getSimpleName());
        System.out.flush();
        if ("1".equals(System.getenv("PROBE_WAIT_STDIN"))) {
            // Lets a test change the server's behaviour between set-up and the first load.
            new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine();
        }
        try {
            for (String row : rows) {
                String[] f = row.split(":", -1);
                Object[] values = {
                        Long.parseLong(f[0]),
                        f[1].equals("-") ? null : f[1],
                        f[2].equals("-") ? null : new BigDecimal(f[2]),
                        Integer.parseInt(f[3]),
                };
                manager.write(null, db, table, serializer.serialize(values));
            }
            manager.flush();
            if (!atLeastOnce) {
                StreamLoadSnapshot snapshot = manager.snapshot();
                if (!manager.prepare(snapshot)) throw new IllegalStateException("prepare failed");
                if (!manager.commit(snapshot)) throw new IllegalStateException("commit failed");
            }
            if (manager.getException() != null) throw new IllegalStateException("load failed", manager.getException());
            System.out.println("done");
        } finally {
            manager.close();
        }
    }
}
