package dev.sluice.core.local;

import dev.sluice.core.spi.Backend;
import dev.sluice.core.spi.BackendContract;
import dev.sluice.core.testkit.ManualScheduler;

class LocalBackendContractTest extends BackendContract {
    @Override
    protected Backend createBackend(ManualScheduler time) {
        return new LocalBackend(time);
    }
}
