import { render } from 'preact';
import './styles.css';
import { App } from './App.js';

render(<App />, document.getElementById('app')!);
