package yingzhi;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.io.ByteUnit;

/**
 * Throwaway Neo4j (community, embedded) with Bolt on loopback, for tests only.
 *
 * <pre>java -cp CLASSPATH yingzhi.Neo4jLauncher HOME_DIR [PORT]</pre>
 *
 * PORT defaults to $YZ_NEO4J_PORT, then 57687. Auth is off. Prints one line
 * "NEO4J_READY bolt://127.0.0.1:PORT" on stdout once Bolt accepts connections, and
 * shuts the DBMS down cleanly on SIGTERM/SIGINT. Exits 1 if the DBMS fails to start.
 */
public final class Neo4jLauncher {
    private Neo4jLauncher() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: Neo4jLauncher HOME_DIR [PORT]");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        String envPort = System.getenv("YZ_NEO4J_PORT");
        int port = Integer.parseInt(args.length > 1 ? args[1]
                : envPort != null && !envPort.isBlank() ? envPort.trim() : "57687");
        String host = "127.0.0.1";

        long t0 = System.nanoTime();
        DatabaseManagementService dbms;
        try {
            dbms = new DatabaseManagementServiceBuilder(home)
                    .setConfig(BoltConnector.enabled, true)
                    .setConfig(BoltConnector.listen_address, new SocketAddress(host, port))
                    .setConfig(BoltConnector.advertised_address, new SocketAddress(host, port))
                    .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                    .setConfig(GraphDatabaseSettings.auth_enabled, false)
                    // No anonymous usage report to neo4j.com (the network is closed anyway).
                    .setConfig(GraphDatabaseSettings.udc_enabled, false)
                    // Modest memory: 2 cores, tests run in parallel; the heap is set by -Xmx.
                    .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(128))
                    // Throwaway data: don't preallocate tx logs (256 MiB each) or keep old ones.
                    .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                    .setConfig(GraphDatabaseSettings.keep_logical_logs, "false")
                    // Don't let an open test transaction hold up SIGTERM for long.
                    .setConfig(GraphDatabaseSettings.shutdown_transaction_end_timeout, Duration.ofSeconds(2))
                    // Bolt otherwise waits 2 x 5 s for its (idle) threads and connections on stop.
                    .setConfig(BoltConnectorInternalSettings.thread_pool_shutdown_wait_time, Duration.ofMillis(500))
                    .setConfig(BoltConnectorInternalSettings.connection_shutdown_wait_time, Duration.ofMillis(500))
                    .build();
        } catch (Throwable e) {
            System.err.println("NEO4J_FAILED " + e);
            e.printStackTrace();
            System.exit(1);
            return;
        }

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                dbms.shutdown();
                System.out.println("NEO4J_STOPPED");
            } catch (Throwable e) {
                System.err.println("NEO4J_SHUTDOWN_ERROR " + e);
            } finally {
                stopped.countDown();
            }
        }, "yz-neo4j-shutdown"));

        // build() returns once the default database is up; prove Bolt answers before saying so.
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 1000);
                break;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    System.err.println("NEO4J_FAILED Bolt not accepting connections on " + host + ":" + port);
                    System.exit(1);
                }
                Thread.sleep(100);
            }
        }
        System.out.printf("NEO4J_READY bolt://%s:%d (home %s, started in %.1f s)%n",
                host, port, home, (System.nanoTime() - t0) / 1e9);
        System.out.flush();
        stopped.await();
    }
}
