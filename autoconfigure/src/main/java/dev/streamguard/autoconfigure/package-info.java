/**
 * Spring Boot auto-configuration for StreamGuard.
 */
@NullMarked
package dev.streamguard.autoconfigure;

import org.jspecify.annotations.NullMarked;
