package dev.sluice.core.management;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class ManagementTokensTest {
    private static String sha256(String secret) {
        return "sha256:" + HexFormat.of().formatHex(ManagementTokens.digest(secret));
    }

    @Test
    void readsNamedTokensByLineOrSemicolonWithCommentsAndBothSecretForms() {
        ManagementTokens tokens = ManagementTokens.parse("# who role secret\n\nops write " + sha256("ops-secret")
                + "   # hashed\r\nviewer READ viewer-secret; ci write ci-secret\n", "test");

        assertThat(tokens.roles()).containsExactly(java.util.Map.entry("ops", "write"),
                java.util.Map.entry("viewer", "read"), java.util.Map.entry("ci", "write"));
        assertThat(tokens.find("ops-secret").name()).isEqualTo("ops");
        assertThat(tokens.find("viewer-secret").role()).isEqualTo(ManagementTokens.Role.READ);
        assertThat(tokens.find("ci-secret").name()).isEqualTo("ci");
        assertThat(tokens.find(sha256("ops-secret"))).as("the digest itself is no token").isNull();
        assertThat(tokens.find("nope")).isNull();
    }

    @Test
    void refusesBadEntriesNamingTheSourceLineAndWhatIsAllowed() {
        assertThatIllegalArgumentException().isThrownBy(() -> ManagementTokens.parse("ops write", "f"))
                .withMessage("f line 1: an entry is 'name role secret', got 2 fields");
        assertThatIllegalArgumentException().isThrownBy(() -> ManagementTokens.parse("\nops admin s", "f"))
                .withMessage("f line 2: role of 'ops' must be read or write, got 'admin'");
        assertThatIllegalArgumentException().isThrownBy(() -> ManagementTokens.parse("o/ps read s", "f"))
                .withMessageContaining("name must be 1 to 64 letters, digits, '.', '_' or '-', got 'o/ps'");
        assertThatIllegalArgumentException().isThrownBy(() -> ManagementTokens.parse("ops read sha256:12", "f"))
                .withMessageContaining("must be sha256: and 64 hex digits, got 2 characters after sha256:");
        assertThatIllegalArgumentException().isThrownBy(() -> ManagementTokens.parse("a read s; a write t", "f"))
                .withMessage("f line 1: token name 'a' is given twice");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ManagementTokens.parse("a read same\nb write " + sha256("same"), "f"))
                .withMessage("f line 2: token 'b' has the same secret as 'a'; give each its own");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ManagementSettings.withToken("legacy").tokens("default read other"))
                .withMessage("tokens: token name 'default' is given twice");
    }

    @Test
    void theSettingsNeverShowTheirSecrets() {
        assertThat(ManagementSettings.withToken("top-secret").tokens("v read also-secret").toString())
                .doesNotContain("secret").contains("token=(set)", "tokens=(set)");
    }
}
