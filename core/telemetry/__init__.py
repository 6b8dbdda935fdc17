"""Board and host sensors, the sampler that feeds live panels and energy integration, and idle-power deduction."""
