package dev.txlease.testing;

import com.arjuna.ats.arjuna.common.ObjectStoreEnvironmentBean;
import com.arjuna.ats.arjuna.common.arjPropertyManager;
import com.arjuna.ats.arjuna.common.recoveryPropertyManager;
import com.arjuna.ats.arjuna.recovery.RecoveryManager;
import com.arjuna.ats.internal.jta.recovery.arjunacore.XARecoveryModule;
import com.arjuna.ats.jta.common.jtaPropertyManager;
import com.arjuna.ats.jta.recovery.XAResourceRecoveryHelper;
import com.arjuna.common.internal.util.propertyservice.BeanPopulator;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A transaction manager that cannot see txlease's classes, as in an application server whose recovery
 * runs before deployments start: the main class of a child JVM whose class path holds Narayana and the
 * libraries, but not txlease. It configures Narayana over a given object store and node, checks that
 * {@code dev.txlease.jta} is invisible to it, then loads the "deployment" (txlease's class directories,
 * in a class loader whose parent is Narayana's) and registers the recovery helpers the deployment's
 * entry class gives, runs two recovery passes and exits with status 0.
 *
 * <p>Uses only Narayana and the JDK: it is copied into a directory of its own for the child's class
 * path (see {@link #classPathDirectory}), with the {@link HaltingXAResource} (and its base) the
 * crashed transaction logged.
 *
 * <p>Arguments: object store directory, node identifier, the deployment's class path, its entry class
 * (a public static {@code helpers(String[])} returning {@code XAResourceRecoveryHelper[]}), then the
 * entry's arguments.
 */
public final class IsolatedRecovery {
    /** The class whose invisibility the child checks first. */
    public static final String TXLEASE_CLASS = "dev.txlease.jta.LeaseRecovery";

    private IsolatedRecovery() {}

    public static void main(String[] args) throws Exception {
        String directory = args[0];
        String node = args[1];
        BeanPopulator.getDefaultInstance(ObjectStoreEnvironmentBean.class).setObjectStoreDir(directory);
        BeanPopulator.getNamedInstance(ObjectStoreEnvironmentBean.class, "communicationStore")
                .setObjectStoreDir(directory);
        BeanPopulator.getNamedInstance(ObjectStoreEnvironmentBean.class, "stateStore")
                .setObjectStoreDir(directory);
        arjPropertyManager.getCoreEnvironmentBean().setNodeIdentifier(node);
        jtaPropertyManager.getJTAEnvironmentBean().setXaRecoveryNodes(List.of(node));
        jtaPropertyManager.getJTAEnvironmentBean().setOrphanSafetyInterval(0);
        recoveryPropertyManager.getRecoveryEnvironmentBean().setRecoveryBackoffPeriod(1);
        recoveryPropertyManager.getRecoveryEnvironmentBean().setRecoveryListener(false);
        try {
            Class.forName(TXLEASE_CLASS, false, IsolatedRecovery.class.getClassLoader());
            System.out.println("the transaction manager's class loader sees " + TXLEASE_CLASS);
            System.exit(3);
        } catch (ClassNotFoundException expected) {
            System.out.println("transaction manager class loader cannot see txlease");
        }
        RecoveryManager.delayRecoveryManagerThread();
        RecoveryManager recovery = RecoveryManager.manager(RecoveryManager.DIRECT_MANAGEMENT);
        XARecoveryModule module = XARecoveryModule.getRegisteredXARecoveryModule();

        List<URL> deployment = new ArrayList<>();
        for (String entry : args[2].split(File.pathSeparator)) {
            deployment.add(new File(entry).toURI().toURL());
        }
        try (URLClassLoader loader =
                new URLClassLoader(deployment.toArray(new URL[0]), IsolatedRecovery.class.getClassLoader())) {
            Object helpers = loader.loadClass(args[3])
                    .getMethod("helpers", String[].class)
                    .invoke(null, (Object) Arrays.copyOfRange(args, 4, args.length));
            for (XAResourceRecoveryHelper helper : (XAResourceRecoveryHelper[]) helpers) {
                module.addXAResourceRecoveryHelper(helper);
            }
            recovery.scan();
            recovery.scan();
        }
        System.out.println("recovery done");
        System.out.flush();
        Runtime.getRuntime().halt(0); // Narayana and the SDK keep threads
    }

    /**
     * Splits this JVM's class path for the child: txlease's class directories and artifacts go to the
     * deployment, the rest (Narayana and the libraries) to the transaction manager.
     *
     * @return the deployment's entries, and the transaction manager's, in that order
     */
    public static List<List<String>> splitClassPath() {
        List<String> txlease = new ArrayList<>();
        List<String> libraries = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            File file = new File(entry);
            if (file.isDirectory() || file.getName().startsWith("txlease-")) {
                txlease.add(entry);
            } else {
                libraries.add(entry);
            }
        }
        return List.of(txlease, libraries);
    }

    /**
     * Copies this class, {@link HaltingXAResource} and its base into {@code directory} (under their package
     * path), so a child's class path can hold them without txlease's class directories.
     *
     * @return {@code directory}
     */
    public static Path classPathDirectory(Path directory) throws IOException {
        for (Class<?> type : List.of(IsolatedRecovery.class, NoOpXAResource.class, HaltingXAResource.class)) {
            String resource = type.getName().replace('.', '/') + ".class";
            Path target = directory.resolve(resource);
            Files.createDirectories(target.getParent());
            try (InputStream in = type.getClassLoader().getResourceAsStream(resource)) {
                Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return directory;
    }
}
