/**
 * WebFlux integration: the filter that recognises streaming responses and guards their body.
 */
@NullMarked
package dev.streamguard.web;

import org.jspecify.annotations.NullMarked;
