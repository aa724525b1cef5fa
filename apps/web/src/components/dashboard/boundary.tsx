'use client';

import { Component, type ReactNode } from 'react';

/**
 * Keeps a failure in one part of the dashboard in that part: the rest of the page stays usable, and the part says
 * what happened and can be drawn again.
 */
export class PartBoundary extends Component<{ name: string; children: ReactNode }, { error: Error | undefined }> {
  override state: { error: Error | undefined } = { error: undefined };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <section className="panel" role="alert">
        <p className="error">
          Could not draw {this.props.name}: {this.state.error.message}
        </p>
        <button type="button" className="secondary" onClick={() => this.setState({ error: undefined })}>
          Try again
        </button>
      </section>
    );
  }
}
