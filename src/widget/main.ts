/**
 * `widget.js`: the one script a page includes to embed Vigil (docs/widget.md):
 *
 *   <script type="module" src="https://vigil.example/widget.js"></script>
 *   <vigil-widget block="latest"></vigil-widget>
 */
import { defineWidget } from './element'

defineWidget()

export { VigilWidget, defineWidget, createWidgetWorker, WIDGET_TAG } from './element'
