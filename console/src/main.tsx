import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { keyFromFragment } from "./auth";
import "./styles.css";

// Before the first render: a #key=… fragment signs in and leaves the address bar.
keyFromFragment();

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
