package dev.sluice.sample;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.Admission;
import dev.sluice.core.Sluice;
import dev.sluice.core.config.Policy;
import dev.sluice.core.config.PolicyParser;
import dev.sluice.core.config.PolicySet;
import dev.sluice.core.testkit.TestRequest;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The sample's WEB-INF/sluice.yaml: valid, with the four kinds of policy and a cluster-scope one, and /echo/** left
 * unlimited. The node-scope policies are exercised here; the cluster-scope one by the sample's integration tests.
 */
class SamplePoliciesTest {
    private final PolicySet policies = new PolicyParser().parse(Path.of("src/main/webapp/WEB-INF/sluice.yaml"));
    private final Sluice sluice = Sluice.builder().policies(new PolicySet(policies.policies().stream()
            .filter(policy -> policy.scope() == dev.sluice.core.config.Scope.NODE).toList())).build();

    @AfterEach
    void close() {
        sluice.close();
    }

    @Test
    void hasARateAQuotaAConcurrencyWithQueueAndAShadowPolicy() {
        List<Policy> list = policies.policies();

        assertThat(list).anyMatch(p -> p.rate() != null && p.quota() == null && !p.shadow());
        assertThat(list).anyMatch(p -> p.quota() != null);
        assertThat(list).anyMatch(p -> p.concurrency() != null && p.queue() != null);
        assertThat(list).anyMatch(Policy::shadow);
        assertThat(list).anyMatch(p -> p.scope() == dev.sluice.core.config.Scope.CLUSTER);
    }

    @Test
    void leavesEchoUnlimited() {
        for (int i = 0; i < 50; i++) {
            Admission admission = sluice.admit(TestRequest.get("/echo/any/path")).join();
            assertThat(admission.admitted()).isTrue();
            assertThat(admission.headers()).isEmpty();
            admission.release();
        }
    }

    @Test
    void refusesTheFourthQuickHello() {
        for (int i = 0; i < 3; i++) {
            assertThat(sluice.admit(TestRequest.get("/hello")).join().admitted()).isTrue();
        }

        Admission fourth = sluice.admit(TestRequest.get("/hello")).join();

        assertThat(fourth.admitted()).isFalse();
        assertThat(fourth.status()).isEqualTo(429);
    }
}
